/*
 * Reset, startup and exception vectors of the firmware (Cortex-M4F, MPS2
 * AN386). The firmware has its own startup instead of the C library's crt0:
 * rdimon's crt0 moves the stack to where semihosting's SYS_HEAPINFO says,
 * which on qemu's mps2 lies in an alias of the flash region, and would
 * keep argv there.
 *
 * Reset: enable the FPU (CPACR: full access to CP10/CP11) before any code
 * that may touch a float register; then, on the stack the vector table
 * names (the top of RAM), copy .data's initial values from flash to RAM
 * (qemu loads them there itself, a real board does not), zero .bss, open
 * the semihosting standard streams, split the semihosting command line into
 * argv, run the C library's constructors, main, exit.
 *
 * Faults: wasm code compiled for this target checks bounds and the stack
 * itself, so a fault is a bug (in the runtime, the firmware or the
 * compiler). The handler reports it and exits with status 70 rather than
 * hanging the board.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

extern uint32_t __stack_top, __stack_limit;
extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

__attribute__((noreturn)) void reset_handler(void);
void fault_handler(void);
void default_handler(void);
void _init(void);
void _fini(void);

/* No crti/crtn: the C library's constructor walk calls these. */
void _init(void)
{
}

void _fini(void)
{
}

#define SYS_GET_CMDLINE 0x15
#define MAX_ARGS 64

static char command_line[2048];
static char *arguments[MAX_ARGS + 1];

static int semihosting_call(int operation, void *block)
{
    register int r0 __asm__("r0") = operation;
    register void *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Splits the command line at spaces; '...' and "..." group words (qemu
 * joins its arg= values with spaces). */
static int split_command_line(void)
{
    struct {
        char *buffer;
        int length;
    } block = {command_line, (int)sizeof command_line - 1};
    if (semihosting_call(SYS_GET_CMDLINE, &block) != 0)
        return 0;
    command_line[block.length >= 0 ? block.length : 0] = '\0';
    int argc = 0;
    char *p = command_line;
    while (*p != '\0' && argc < MAX_ARGS) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        char quote = (*p == '"' || *p == '\'') ? *p++ : ' ';
        arguments[argc++] = p;
        while (*p != '\0' && *p != quote)
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
    arguments[argc] = NULL;
    return argc;
}

#define STACK_PAINT 0xDEADBEEFu

/* Fills the unused stack with a pattern, for kiln_mcu_stack_used. */
__attribute__((noinline)) static void paint_stack(void)
{
    uint32_t *here = (uint32_t *)__builtin_frame_address(0) - 16;
    for (uint32_t *p = &__stack_limit; p < here; p++)
        *p = STACK_PAINT;
}

/* The deepest the stack has been since reset, in bytes (the first word
 * from the bottom whose pattern was overwritten). */
size_t kiln_mcu_stack_used(void)
{
    const uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == STACK_PAINT)
        p++;
    return (size_t)((const uint8_t *)&__stack_top - (const uint8_t *)p);
}

__attribute__((noreturn, used)) static void reset_c(void)
{
    paint_stack();
    const uint32_t *from = &__data_load__;
    for (uint32_t *to = &__data_start__; to < &__data_end__; to++)
        *to = *from++;
    for (uint32_t *to = &__bss_start__; to < &__bss_end__; to++)
        *to = 0;
    initialise_monitor_handles();
    int argc = split_command_line();
    __libc_init_array();
    exit(main(argc, arguments));
}

__attribute__((naked, noreturn)) void reset_handler(void)
{
    __asm__ volatile("ldr r0, =0xE000ED88\n\t" /* CPACR */
                     "ldr r1, [r0]\n\t"
                     "orr r1, r1, #(0xF << 20)\n\t"
                     "str r1, [r0]\n\t"
                     "dsb\n\t"
                     "isb\n\t"
                     "b reset_c\n\t");
}

/* The stacked PC of the faulting context (MSP or PSP frame). */
void fault_handler(void)
{
    uint32_t *frame;
    uint32_t lr;
    __asm__ volatile("mov %0, lr" : "=r"(lr));
    if (lr & 4u)
        __asm__ volatile("mrs %0, psp" : "=r"(frame));
    else
        __asm__ volatile("mrs %0, msp" : "=r"(frame));
    uint32_t cfsr = *(volatile uint32_t *)0xE000ED28u;
    uint32_t bfar = *(volatile uint32_t *)0xE000ED38u;
    fprintf(stderr, "kiln: fatal: CPU fault (CFSR 0x%08lx, BFAR 0x%08lx) at pc 0x%08lx\n",
            (unsigned long)cfsr, (unsigned long)bfar, (unsigned long)frame[6]);
    exit(70);
}

void default_handler(void)
{
    fprintf(stderr, "kiln: fatal: unexpected exception\n");
    exit(70);
}

typedef void (*vector_fn)(void);

__attribute__((section(".vectors"), used)) const vector_fn kiln_mcu_vectors[16] = {
    (vector_fn)(uintptr_t)&__stack_top,
    reset_handler,
    default_handler, /* NMI */
    fault_handler,   /* HardFault */
    fault_handler,   /* MemManage */
    fault_handler,   /* BusFault */
    fault_handler,   /* UsageFault */
    0, 0, 0, 0,
    default_handler, /* SVCall */
    default_handler, /* DebugMonitor */
    0,
    default_handler, /* PendSV */
    default_handler, /* SysTick */
};
