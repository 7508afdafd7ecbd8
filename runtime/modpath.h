/*
 * The module path (lnk_, linker.c): a resolver that loads an imported
 * module NAME from DIR/NAME.aot, the first of the linker's directories that
 * has it. The public entry points are kiln_linker_use_module_path (kiln.h)
 * and kiln_linker_use_module_path_trusted (kiln/signing.h, which passes a
 * loader that checks signatures).
 */
#ifndef KILN_RT_MODPATH_H
#define KILN_RT_MODPATH_H

#include <stddef.h>

#include "kiln.h"

/* Loads the container file at path (kiln_module_load_file, or a variant). */
typedef kiln_status (*lnk_file_loader)(void *user_data, const char *path, kiln_module **out,
                                       kiln_error *err);

/* Copies dirs and makes the module path the linker's resolver, loading
 * files with loader(loader_data, ...). */
kiln_status lnk_use_module_path(kiln_linker *linker, const char *const *dirs, size_t dir_count,
                                lnk_file_loader loader, void *loader_data, kiln_error *err);

#endif /* KILN_RT_MODPATH_H */
