/* Clocks: realtime is after 2020, monotonic never goes back, a 20 ms sleep
 * (poll_oneoff underneath in WASI) lasts at least 20 ms, resolutions are
 * positive, CPU-time clocks advance under work. Prints verdicts only, so the
 * output does not depend on the time. */
#include <stdio.h>
#include <time.h>

static long long ns(struct timespec ts)
{
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    struct timespec a, b, r;
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    printf("time() agrees: %d\n", (long long)time(NULL) - (long long)a.tv_sec <= 1);
    clock_gettime(CLOCK_MONOTONIC, &a);
    int monotonic = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        monotonic = monotonic && ns(b) >= ns(a);
        a = b;
    }
    printf("monotonic non-decreasing: %d\n", monotonic);
    struct timespec nap = {0, 20000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("nanosleep 20ms lasted >= 20ms: %d\n", ns(b) - ns(a) >= 20000000LL);
    printf("res realtime > 0: %d\n", clock_getres(CLOCK_REALTIME, &r) == 0 && ns(r) > 0);
    printf("res monotonic > 0: %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 50000000ul; i++)
        spin += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    printf("process cpu time advances: %d\n", ns(b) > ns(a));
    return 0;
}
