/*
 * Container signatures (Ed25519, libsodium): the runtime side. Present only
 * when libkiln is built with -DKILN_SIGNING=ON (KILN_HAVE_SIGNING is then
 * defined for users of the kiln target), so a device build can leave
 * libsodium out. The trailer format is in kiln/aot_format.h.
 *
 * A kiln_trust holds one or more trusted public keys. kiln_module_verify
 * checks bytes before anything parses them; kiln_module_load_trusted and
 * kiln_module_load_file_trusted verify, then load.
 */
#ifndef KILN_SIGNING_H
#define KILN_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_trust kiln_trust;

/* An empty set of trusted keys. KILN_ERR_NOMEM, or KILN_ERR_UNSUPPORTED
 * when libsodium cannot initialise. */
kiln_status kiln_trust_new(kiln_trust **out, kiln_error *err);
void kiln_trust_free(kiln_trust *trust);

/* Trusts one raw 32-byte Ed25519 public key. */
kiln_status kiln_trust_add_key(kiln_trust *trust, const uint8_t key[32], kiln_error *err);

/* Trusts the key in a public key file as written by `kilnc --gen-key`:
 * one line "kiln-ed25519-public <64 hex digits>". KILN_ERR_IO when it
 * cannot be read, KILN_ERR_ARGUMENT when it is not such a file. */
kiln_status kiln_trust_add_key_file(kiln_trust *trust, const char *path, kiln_error *err);

/* Number of trusted keys; 0 for NULL. */
size_t kiln_trust_key_count(const kiln_trust *trust);

/*
 * Checks the signature trailer of a container in bytes[0, size).
 * KILN_ERR_UNSIGNED: no trailer. KILN_ERR_SIGNATURE: the signer's key is
 * not trusted, or the signature does not match the bytes. Bytes that are
 * not a complete kiln container are left to kiln_module_load (KILN_OK here,
 * so the loader's more precise refusal is what the caller sees).
 */
kiln_status kiln_module_verify(const void *bytes, size_t size, const kiln_trust *trust,
                               kiln_error *err);

/* kiln_module_verify, then kiln_module_load. */
kiln_status kiln_module_load_trusted(const void *bytes, size_t size, const kiln_trust *trust,
                                     kiln_module **out, kiln_error *err);
/* Reads the file at path, then kiln_module_load_trusted. */
kiln_status kiln_module_load_file_trusted(const char *path, const kiln_trust *trust,
                                          kiln_module **out, kiln_error *err);

/* kiln_linker_use_module_path, loading each module file with
 * kiln_module_load_file_trusted: a dependency that is not signed by a key
 * of trust fails the instantiation (its status, naming the file). trust
 * must outlive the linker. */
kiln_status kiln_linker_use_module_path_trusted(kiln_linker *linker, const char *const *dirs,
                                                size_t dir_count, const kiln_trust *trust,
                                                kiln_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KILN_SIGNING_H */
