/*
 * A container linked into the firmware image (CMake: -DKILN_MCU_EMBED=
 * FILE.aot): its bytes are a const array in flash, which
 * kiln_module_load_static runs in place, as a product would ship one
 * module. kiln-mcu --embedded runs it instead of reading a file. Without
 * the option the array is empty.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"

#if defined(KILN_MCU_EMBED_PATH)
/* 16-byte aligned: the image inside keeps its alignment (4 on Cortex-M)
 * when the container's own offsets do. */
__asm__(".section .rodata.kiln_mcu_embedded, \"a\"\n"
        ".balign 16\n"
        ".global kiln_mcu_embedded\n"
        "kiln_mcu_embedded:\n"
        ".incbin \"" KILN_MCU_EMBED_PATH "\"\n"
        ".global kiln_mcu_embedded_end\n"
        "kiln_mcu_embedded_end:\n"
        ".previous\n");
extern const uint8_t kiln_mcu_embedded[], kiln_mcu_embedded_end[];
#else
static const uint8_t kiln_mcu_embedded[1];
static const uint8_t *const kiln_mcu_embedded_end = kiln_mcu_embedded;
#endif

const uint8_t *board_embedded_container(size_t *size)
{
    *size = (size_t)(kiln_mcu_embedded_end - kiln_mcu_embedded);
    return *size != 0 ? kiln_mcu_embedded : NULL;
}
