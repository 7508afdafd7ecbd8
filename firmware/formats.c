/*
 * C99 length modifiers for Debian's newlib, which is built without them:
 * its printf family prints "%zu" as "zu". The runtime and the spec runner
 * format size_t with %zu, so the firmware programs link with
 * -Wl,--wrap= for the functions below (firmware/CMakeLists.txt), which
 * rewrite a format's z (size_t, 32 bits here) and t (ptrdiff_t) as l and
 * j (intmax_t, 64 bits) as ll, then call newlib's own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int __real_vsnprintf(char *buf, size_t size, const char *format, va_list ap);
int __real_vfprintf(FILE *out, const char *format, va_list ap);
int __wrap_vsnprintf(char *buf, size_t size, const char *format, va_list ap);
int __wrap_vfprintf(FILE *out, const char *format, va_list ap);
int __wrap_snprintf(char *buf, size_t size, const char *format, ...);
int __wrap_fprintf(FILE *out, const char *format, ...);
int __wrap_printf(const char *format, ...);

_Static_assert(sizeof(size_t) == sizeof(long), "z is rewritten as l");

/* format with its length modifiers rewritten, into buf (or format itself
 * when it needs none or does not fit). */
static const char *c89_format(const char *format, char *buf, size_t size)
{
    if (strpbrk(format, "zjt") == NULL)
        return format;
    size_t n = 0;
    for (const char *p = format; *p != '\0'; p++) {
        if (n + 3 >= size)
            return format;
        buf[n++] = *p;
        if (*p != '%')
            continue;
        /* flags, width, precision, then the length modifier */
        while (p[1] != '\0' && strchr("-+ #0123456789.*", p[1]) != NULL && n + 3 < size)
            buf[n++] = *++p;
        if (p[1] == 'z' || p[1] == 't') {
            buf[n++] = 'l';
            p++;
        } else if (p[1] == 'j') {
            buf[n++] = 'l';
            buf[n++] = 'l';
            p++;
        } else if (p[1] == '%') {
            buf[n++] = *++p;
        }
    }
    buf[n] = '\0';
    return buf;
}

int __wrap_vsnprintf(char *buf, size_t size, const char *format, va_list ap)
{
    char fixed[512];
    return __real_vsnprintf(buf, size, c89_format(format, fixed, sizeof fixed), ap);
}

int __wrap_vfprintf(FILE *out, const char *format, va_list ap)
{
    char fixed[512];
    return __real_vfprintf(out, c89_format(format, fixed, sizeof fixed), ap);
}

int __wrap_snprintf(char *buf, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = __wrap_vsnprintf(buf, size, format, ap);
    va_end(ap);
    return n;
}

int __wrap_fprintf(FILE *out, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = __wrap_vfprintf(out, format, ap);
    va_end(ap);
    return n;
}

int __wrap_printf(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = __wrap_vfprintf(stdout, format, ap);
    va_end(ap);
    return n;
}
