/*
 * The spec-test environment: the modules and instances a .json script has
 * created, names given by `module $name` and `register`, and the "spectest"
 * host module every script may import from.
 */
#ifndef KILN_SPEC_HOST_H
#define KILN_SPEC_HOST_H

#include "kiln.h"

typedef struct spec_env spec_env;

spec_env *spec_env_new(void);
void spec_env_free(spec_env *env);

/* Instantiates m with its imports resolved from spectest and registered
 * instances. */
kiln_status spec_env_instantiate(spec_env *env, kiln_module *m, kiln_instance **out,
                                 kiln_error *err);
/* Records a new current module (m and inst owned by env from now on); name
 * may be NULL. m == NULL marks "no current module" after a failure. */
void spec_env_add(spec_env *env, const char *name, kiln_module *m, kiln_instance *inst);
/* Keeps m (and inst, may be NULL) alive until env is freed, not current. */
void spec_env_keep(spec_env *env, kiln_module *m, kiln_instance *inst);
/* The instance named name, or the current one when name is NULL. */
kiln_instance *spec_env_instance(spec_env *env, const char *name);
/* Makes the instance named name (current when NULL) importable as `as`. */
kiln_status spec_env_register(spec_env *env, const char *name, const char *as,
                              kiln_error *err);
/* Reads exported global `field` of inst. */
kiln_status spec_env_get_global(kiln_instance *inst, const char *field, kiln_val *out,
                                kiln_error *err);

#endif
