/*
 * Custom sections (decode_internal.h), kept whole in wasm_module.customs,
 * and the "name" section, read for the module and function names; a bad
 * name section is dropped, never fatal.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

/* The "name" custom section: module name (subsection 0) and function names
 * (subsection 1). Custom section errors are not fatal, so any problem makes
 * this give up and drop what it found; it never fails the module. */
static void parse_name_section(wasm_module *m, const uint8_t *p, const uint8_t *end)
{
    dec_reader r;
    dec_reader_init(&r, m->bytes, p, end, m->bytes + m->size, DEC_END_SECTION);
    char *module_name = NULL;
    char **names = calloc(m->func_count ? m->func_count : 1, sizeof *names);
    if (names == NULL)
        return;
    int last_id = -1;
    bool ok = true;
    while (ok && !dec_at_end(&r)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *content;
        if (dec_u8(&r, &id, NULL) != KILN_OK || dec_u32(&r, &size, NULL) != KILN_OK ||
            dec_bytes(&r, size, &content, NULL) != KILN_OK || (int)id <= last_id) {
            ok = false;
            break;
        }
        last_id = id;
        dec_reader sub;
        dec_reader_init(&sub, m->bytes, content, content + size, m->bytes + m->size,
                        DEC_END_SECTION);
        const uint8_t *s;
        uint32_t len;
        if (id == 0) {
            ok = dec_name(&sub, &s, &len, NULL) == KILN_OK && dec_at_end(&sub);
            if (ok) {
                module_name = malloc((size_t)len + 1);
                ok = module_name != NULL;
                if (ok) {
                    memcpy(module_name, s, len);
                    module_name[len] = '\0';
                }
            }
        } else if (id == 1) {
            uint32_t count;
            ok = dec_u32(&sub, &count, NULL) == KILN_OK;
            for (uint32_t i = 0; ok && i < count; i++) {
                uint32_t idx;
                ok = dec_u32(&sub, &idx, NULL) == KILN_OK &&
                     dec_name(&sub, &s, &len, NULL) == KILN_OK && idx < m->func_count &&
                     names[idx] == NULL;
                if (ok) {
                    names[idx] = malloc((size_t)len + 1);
                    ok = names[idx] != NULL;
                    if (ok) {
                        memcpy(names[idx], s, len);
                        names[idx][len] = '\0';
                    }
                }
            }
            ok = ok && dec_at_end(&sub);
        }
    }
    for (uint32_t i = 0; i < m->func_count; i++) {
        if (ok) {
            if (names[i] != NULL) {
                free(m->funcs[i].name);
                m->funcs[i].name = names[i];
            }
        } else {
            free(names[i]);
        }
    }
    if (ok && module_name != NULL) {
        free(m->module_name);
        m->module_name = module_name;
    } else {
        free(module_name);
    }
    free(names);
}

kiln_status dec_sec_custom(dec_state *d, const uint8_t *section_end, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    wasm_custom c;
    kiln_status st = dec_copy_name(r, &c.name, err);
    if (st != KILN_OK)
        return st;
    c.bytes = r->p;
    c.size = (uint32_t)(section_end - r->p);
    r->p = section_end;
    if (!dec_grow_array((void **)&m->customs, &d->custom_cap, (uint64_t)m->custom_count + 1,
                    sizeof *m->customs)) {
        free(c.name.bytes);
        return dec_nomem(err, dec_offset(r), "custom sections");
    }
    m->customs[m->custom_count++] = c;
    if (c.name.size == 4 && memcmp(c.name.bytes, "name", 4) == 0)
        parse_name_section(m, c.bytes, section_end);
    return KILN_OK;
}
