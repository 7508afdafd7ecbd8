/* Values on the runners' command lines: see cli_values.h. */
#include "cli_values.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/aot_format.h" /* KILN_VALTYPES: the value types' names */

/* Parses [-]digits or [-]0xhex into sign and magnitude; false on junk or
 * overflow of 64 bits. */
bool cli_parse_magnitude(const char *s, bool *negative, uint64_t *magnitude)
{
    *negative = false;
    if (*s == '-' || *s == '+') {
        *negative = *s == '-';
        s++;
    }
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else if (*s == '_')
            continue;
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *magnitude = v;
    return true;
}

static bool parse_i32(const char *s, int32_t *out)
{
    bool neg;
    uint64_t mag;
    if (!cli_parse_magnitude(s, &neg, &mag))
        return false;
    if (neg ? mag > 0x80000000u : mag > 0xFFFFFFFFu)
        return false;
    *out = (int32_t)(uint32_t)(neg ? (uint32_t)(0u - (uint32_t)mag) : (uint32_t)mag);
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!cli_parse_magnitude(s, &neg, &mag))
        return false;
    if (neg && mag > (uint64_t)1 << 63)
        return false;
    *out = (int64_t)(neg ? 0u - mag : mag);
    return true;
}

/* nan, -nan, nan:0xP, inf, -inf: the bits, or false for other text. */
static bool parse_special(const char *s, bool is_f64, uint64_t *bits)
{
    uint64_t sign = 0;
    if (*s == '-' || *s == '+') {
        if (*s == '-')
            sign = 1;
        s++;
    }
    uint64_t exp_all = is_f64 ? 0x7FF0000000000000ull : 0x7F800000u;
    uint64_t quiet = is_f64 ? 0x0008000000000000ull : 0x00400000u;
    uint64_t payload_mask = is_f64 ? 0x000FFFFFFFFFFFFFull : 0x007FFFFFu;
    uint64_t sign_bit = sign << (is_f64 ? 63 : 31);
    if (strcmp(s, "inf") == 0 || strcmp(s, "infinity") == 0) {
        *bits = sign_bit | exp_all;
        return true;
    }
    if (strcmp(s, "nan") == 0) {
        *bits = sign_bit | exp_all | quiet;
        return true;
    }
    if (strncmp(s, "nan:", 4) == 0) {
        bool neg;
        uint64_t payload;
        if (strncmp(s + 4, "0x", 2) != 0 || !cli_parse_magnitude(s + 4, &neg, &payload) || neg ||
            payload == 0 || payload > payload_mask)
            return false;
        *bits = sign_bit | exp_all | payload;
        return true;
    }
    return false;
}

static bool parse_f32(const char *s, float *out)
{
    uint64_t bits;
    if (parse_special(s, false, &bits)) {
        uint32_t b = (uint32_t)bits;
        memcpy(out, &b, 4);
        return true;
    }
    if (strstr(s, "nan") != NULL || strstr(s, "inf") != NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_f64(const char *s, double *out)
{
    uint64_t bits;
    if (parse_special(s, true, &bits)) {
        memcpy(out, &bits, 8);
        return true;
    }
    if (strstr(s, "nan") != NULL || strstr(s, "inf") != NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

const char *cli_kind_name(kiln_valkind k)
{
    const char *name = kiln_aot_valtype_name((uint32_t)k);
    return name != NULL ? name : "unknown";
}

bool cli_parse_value(const char *text, kiln_valkind kind, kiln_val *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    switch (kind) {
    case KILN_I32: return parse_i32(text, &out->of.i32);
    case KILN_I64: return parse_i64(text, &out->of.i64);
    case KILN_F32: return parse_f32(text, &out->of.f32);
    case KILN_F64: return parse_f64(text, &out->of.f64);
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
        out->of.ref = NULL;
        return strcmp(text, "null") == 0;
    case KILN_V128: return false;
    }
    return false;
}

/* ---- results ---------------------------------------------------------------- */

static void print_f32(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    const char *sign = (bits >> 31) ? "-" : "";
    if (isnan(v)) {
        uint32_t payload = bits & 0x007FFFFFu;
        if (payload == 0x00400000u)
            printf("%snan\n", sign);
        else
            printf("%snan:0x%lx\n", sign, (unsigned long)payload);
        return;
    }
    if (isinf(v)) {
        printf("%sinf\n", sign);
        return;
    }
    char buf[64];
    for (int precision = 1; precision <= 9; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, (double)v);
        float back = strtof(buf, NULL);
        uint32_t back_bits;
        memcpy(&back_bits, &back, 4);
        if (back_bits == bits)
            break;
    }
    printf("%s\n", buf);
}

static void print_f64(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    const char *sign = (bits >> 63) ? "-" : "";
    if (isnan(v)) {
        uint64_t payload = bits & 0x000FFFFFFFFFFFFFull;
        if (payload == 0x0008000000000000ull)
            printf("%snan\n", sign);
        else
            printf("%snan:0x%llx\n", sign, (unsigned long long)payload);
        return;
    }
    if (isinf(v)) {
        printf("%sinf\n", sign);
        return;
    }
    char buf[64];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, v);
        double back = strtod(buf, NULL);
        uint64_t back_bits;
        memcpy(&back_bits, &back, 8);
        if (back_bits == bits)
            break;
    }
    printf("%s\n", buf);
}

void cli_print_value(const kiln_val *v)
{
    switch (v->kind) {
    case KILN_I32: printf("%ld\n", (long)v->of.i32); return;
    case KILN_I64: printf("%lld\n", (long long)v->of.i64); return;
    case KILN_F32: print_f32(v->of.f32); return;
    case KILN_F64: print_f64(v->of.f64); return;
    case KILN_V128: {
        printf("0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        printf("\n");
        return;
    }
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
        if (v->of.ref == NULL)
            printf("null\n");
        else
            printf("%s %p\n", cli_kind_name(v->kind), v->of.ref);
        return;
    }
}
