/*
 * The spec-test environment: one linker per .json script holding the
 * "spectest" host module and every registered instance; the modules and
 * instances the script created, kept alive until the script ends (a failed
 * instantiation may still have written into shared tables and memories).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_host.h"

typedef struct spec_entry {
    char *name; /* `module $name`, or NULL */
    kiln_module *module;
    kiln_instance *instance;
} spec_entry;

struct spec_env {
    kiln_linker *linker;
    spec_entry *entries;
    size_t count, capacity;
    kiln_instance *current;
};

static kiln_status spectest_print(kiln_caller *caller, void *user_data, const kiln_val *args,
                                  kiln_val *results)
{
    (void)caller, (void)user_data, (void)args, (void)results;
    return KILN_OK;
}

static kiln_status define_print(kiln_linker *linker, const char *field, const char *params,
                                kiln_error *err)
{
    kiln_valkind kinds[4];
    uint32_t n = 0;
    for (const char *p = params; *p; p++)
        kinds[n++] = *p == 'i' ? KILN_I32 : *p == 'I' ? KILN_I64 : *p == 'f' ? KILN_F32 : KILN_F64;
    kiln_func_type type = {.param_count = n, .result_count = 0, .params = kinds, .results = NULL};
    return kiln_linker_define_func(linker, "spectest", field, &type, spectest_print, NULL, err);
}

static kiln_status define_global(kiln_linker *linker, const char *field, kiln_val v,
                                 kiln_error *err)
{
    kiln_global *g = NULL;
    kiln_status st = kiln_global_new(v, false, &g, err);
    if (st != KILN_OK)
        return st;
    st = kiln_linker_define_global(linker, "spectest", field, g, err);
    kiln_global_release(g);
    return st;
}

/* The spectest module of the reference interpreter. */
static kiln_status define_spectest(kiln_linker *linker, kiln_error *err)
{
    static const struct { const char *field, *params; } prints[] = {
        {"print", ""}, {"print_i32", "i"}, {"print_i64", "I"}, {"print_f32", "f"},
        {"print_f64", "F"}, {"print_i32_f32", "if"}, {"print_f64_f64", "FF"},
    };
    kiln_status st = KILN_OK;
    for (size_t i = 0; i < sizeof prints / sizeof prints[0] && st == KILN_OK; i++)
        st = define_print(linker, prints[i].field, prints[i].params, err);
    if (st != KILN_OK)
        return st;
    kiln_val v;
    v.kind = KILN_I32, v.of.i32 = 666;
    if ((st = define_global(linker, "global_i32", v, err)) != KILN_OK)
        return st;
    v.kind = KILN_I64, v.of.i64 = 666;
    if ((st = define_global(linker, "global_i64", v, err)) != KILN_OK)
        return st;
    v.kind = KILN_F32, v.of.f32 = 666.6f;
    if ((st = define_global(linker, "global_f32", v, err)) != KILN_OK)
        return st;
    v.kind = KILN_F64, v.of.f64 = 666.6;
    if ((st = define_global(linker, "global_f64", v, err)) != KILN_OK)
        return st;

    kiln_table *table = NULL;
    if ((st = kiln_table_new(KILN_FUNCREF, 10, 20, &table, err)) != KILN_OK)
        return st;
    st = kiln_linker_define_table(linker, "spectest", "table", table, err);
    kiln_table_release(table);
    if (st != KILN_OK)
        return st;

    kiln_memory *memory = NULL;
    if ((st = kiln_memory_new(1, 2, false, &memory, err)) != KILN_OK)
        return st;
    st = kiln_linker_define_memory(linker, "spectest", "memory", memory, err);
    kiln_memory_release(memory);
    if (st != KILN_OK)
        return st;
    if ((st = kiln_memory_new(1, 2, true, &memory, err)) != KILN_OK)
        return st;
    st = kiln_linker_define_memory(linker, "spectest", "shared_memory", memory, err);
    kiln_memory_release(memory);
    return st;
}

spec_env *spec_env_new(void)
{
    spec_env *env = calloc(1, sizeof *env);
    if (env == NULL)
        return NULL;
    kiln_error err;
    if (kiln_linker_new(&env->linker, &err) != KILN_OK ||
        define_spectest(env->linker, &err) != KILN_OK) {
        fprintf(stderr, "kiln-spec: cannot set up the spectest module: %s\n", err.message);
        spec_env_free(env);
        return NULL;
    }
    return env;
}

void spec_env_free(spec_env *env)
{
    if (env == NULL)
        return;
    /* The linker holds references to registered instances: free it first,
     * then instances newest first (later ones may import from earlier). */
    kiln_linker_free(env->linker);
    for (size_t i = env->count; i-- > 0;) {
        kiln_instance_free(env->entries[i].instance);
        free(env->entries[i].name);
    }
    for (size_t i = env->count; i-- > 0;)
        kiln_module_free(env->entries[i].module);
    free(env->entries);
    free(env);
}

kiln_status spec_env_instantiate(spec_env *env, kiln_module *m, kiln_instance **out,
                                 kiln_error *err)
{
    return kiln_linker_instantiate(env->linker, m, out, err);
}

static void push(spec_env *env, const char *name, kiln_module *m, kiln_instance *inst)
{
    if (env->count == env->capacity) {
        size_t cap = env->capacity ? env->capacity * 2 : 16;
        spec_entry *grown = realloc(env->entries, cap * sizeof *grown);
        if (grown == NULL) {
            fprintf(stderr, "kiln-spec: out of memory\n");
            exit(1);
        }
        env->entries = grown;
        env->capacity = cap;
    }
    env->entries[env->count++] = (spec_entry){name ? strdup(name) : NULL, m, inst};
}

void spec_env_add(spec_env *env, const char *name, kiln_module *m, kiln_instance *inst)
{
    if (m != NULL)
        push(env, name, m, inst);
    env->current = inst;
}

void spec_env_keep(spec_env *env, kiln_module *m, kiln_instance *inst)
{
    push(env, NULL, m, inst);
}

kiln_instance *spec_env_instance(spec_env *env, const char *name)
{
    if (name == NULL)
        return env->current;
    for (size_t i = env->count; i-- > 0;)
        if (env->entries[i].name != NULL && strcmp(env->entries[i].name, name) == 0)
            return env->entries[i].instance;
    return NULL;
}

kiln_status spec_env_register(spec_env *env, const char *name, const char *as, kiln_error *err)
{
    kiln_instance *inst = spec_env_instance(env, name);
    if (inst == NULL) {
        snprintf(err->message, sizeof err->message, "register: no module %s",
                 name ? name : "(current)");
        err->status = KILN_ERR_NOT_FOUND;
        return KILN_ERR_NOT_FOUND;
    }
    return kiln_linker_define_instance(env->linker, as, inst, err);
}

kiln_status spec_env_get_global(kiln_instance *inst, const char *field, kiln_val *out,
                                kiln_error *err)
{
    return kiln_instance_global_get(inst, field, out, err);
}
