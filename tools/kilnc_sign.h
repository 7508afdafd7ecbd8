/*
 * kilnc's signing commands (built with -DKILN_SIGNING=ON): key generation
 * and appending the Ed25519 signature trailer of kiln/aot_format.h.
 */
#ifndef KILNC_SIGN_H
#define KILNC_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a new keypair: path (secret key, mode 0600, one line
 * "kiln-ed25519-secret <128 hex>") and path.pub (one line
 * "kiln-ed25519-public <64 hex>"). Prints errors; returns success. */
bool kilnc_gen_key(const char *path);

/* Returns a malloc'ed copy of the container with the signature trailer
 * appended, signed with the secret key in keyfile. Prints errors. */
bool kilnc_sign(const char *keyfile, const uint8_t *container, size_t size, uint8_t **out,
                size_t *out_size);

#endif /* KILNC_SIGN_H */
