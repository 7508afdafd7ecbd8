/*
 * Container signature checks (kiln/signing.h), built only with
 * -DKILN_SIGNING=ON. The trailer (kiln/aot_format.h) follows the
 * container's file_size bytes: magic, signer key, Ed25519 signature of
 * bytes [0, file_size).
 *
 * Invariants: nothing here parses the container beyond its magic and
 * file_size, so unverified bytes reach the real loader only after the
 * signature matched; every read is bounded by size; the key list is
 * fixed-size records owned by the kiln_trust.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "kiln/signing.h"
#include "kiln_common.h"
#include "modpath.h"
#include "module.h"

struct kiln_trust {
    uint8_t (*keys)[KILN_AOT_SIG_KEY_SIZE];
    size_t count;
};

kiln_status kiln_trust_new(kiln_trust **out, kiln_error *err)
{
    if (sodium_init() < 0)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "libsodium failed to initialise; signatures cannot be checked");
    kiln_trust *t = kiln_calloc(1, sizeof *t);
    if (t == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory creating a trusted-key set");
    *out = t;
    return KILN_OK;
}

void kiln_trust_free(kiln_trust *trust)
{
    if (trust == NULL)
        return;
    kiln_free(trust->keys);
    kiln_free(trust);
}

size_t kiln_trust_key_count(const kiln_trust *trust)
{
    return trust == NULL ? 0 : trust->count;
}

kiln_status kiln_trust_add_key(kiln_trust *trust, const uint8_t key[32], kiln_error *err)
{
    if (trust == NULL || key == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_trust_add_key needs a trust set and a key");
    void *grown = kiln_realloc(trust->keys, (trust->count + 1) * sizeof trust->keys[0]);
    if (grown == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory adding a trusted key");
    trust->keys = grown;
    memcpy(trust->keys[trust->count++], key, KILN_AOT_SIG_KEY_SIZE);
    return KILN_OK;
}

static const char public_prefix[] = "kiln-ed25519-public ";

kiln_status kiln_trust_add_key_file(kiln_trust *trust, const char *path, kiln_error *err)
{
    char text[256];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot open key file %s: %s",
                              path, strerror(errno));
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    /* The line's end is not part of the key. */
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    text[n] = '\0';
    size_t plen = sizeof public_prefix - 1;
    uint8_t key[KILN_AOT_SIG_KEY_SIZE];
    size_t key_len = 0;
    if (n < plen || memcmp(text, public_prefix, plen) != 0 ||
        sodium_hex2bin(key, sizeof key, text + plen, n - plen, NULL, &key_len, NULL) != 0 ||
        key_len != sizeof key)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "%s is not a kiln public key file (one line \"%s<64 hex "
                              "digits>\", as written by kilnc --gen-key)",
                              path, public_prefix);
    return kiln_trust_add_key(trust, key, err);
}

kiln_status kiln_module_verify(const void *bytes, size_t size, const kiln_trust *trust,
                               kiln_error *err)
{
    const uint8_t *b = bytes;
    if (trust == NULL || trust->count == 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "no trusted keys: every container would be refused");
    if (b == NULL || size < KILN_AOT_HEADER_FIXED_SIZE || b[0] != KILN_AOT_MAGIC_0 ||
        b[1] != KILN_AOT_MAGIC_1 || b[2] != KILN_AOT_MAGIC_2 || b[3] != KILN_AOT_MAGIC_3)
        return KILN_OK; /* not a container: the loader names what it is */
    uint64_t file_size = kiln_read_u64le(b + KILN_AOT_OFF_FILE_SIZE);
    if (file_size > size)
        return KILN_OK; /* truncated: the loader says so */
    if (size - file_size != KILN_AOT_SIG_TRAILER_SIZE ||
        memcmp(b + file_size, KILN_AOT_SIG_MAGIC, KILN_AOT_SIG_MAGIC_SIZE) != 0)
        return kiln_error_set(err, KILN_ERR_UNSIGNED, file_size,
                              "container is not signed (no signature trailer after its %llu "
                              "bytes), and this runtime loads only containers signed by one "
                              "of its %zu trusted key%s: sign it with kilnc --sign KEYFILE",
                              (unsigned long long)file_size, trust->count,
                              trust->count == 1 ? "" : "s");
    const uint8_t *trailer = b + file_size;
    const uint8_t *key = trailer + KILN_AOT_SIG_KEY_OFFSET;
    char key_hex[2 * KILN_AOT_SIG_KEY_SIZE + 1];
    sodium_bin2hex(key_hex, sizeof key_hex, key, KILN_AOT_SIG_KEY_SIZE);
    bool trusted = false;
    for (size_t i = 0; i < trust->count && !trusted; i++)
        trusted = memcmp(trust->keys[i], key, KILN_AOT_SIG_KEY_SIZE) == 0;
    if (!trusted)
        return kiln_error_set(err, KILN_ERR_SIGNATURE, file_size + KILN_AOT_SIG_KEY_OFFSET,
                              "container is signed by key %s, which is not among this "
                              "runtime's %zu trusted key%s",
                              key_hex, trust->count, trust->count == 1 ? "" : "s");
    if (crypto_sign_verify_detached(trailer + KILN_AOT_SIG_SIGNATURE_OFFSET, b,
                                    (unsigned long long)file_size, key) != 0)
        return kiln_error_set(err, KILN_ERR_SIGNATURE,
                              file_size + KILN_AOT_SIG_SIGNATURE_OFFSET,
                              "bad signature: the Ed25519 signature by trusted key %s does "
                              "not match the container's %llu bytes (changed after signing, "
                              "or forged)",
                              key_hex, (unsigned long long)file_size);
    return KILN_OK;
}

kiln_status kiln_module_load_trusted(const void *bytes, size_t size, const kiln_trust *trust,
                                     kiln_module **out, kiln_error *err)
{
    kiln_status st = kiln_module_verify(bytes, size, trust, err);
    if (st != KILN_OK)
        return st;
    return kiln_module_load(bytes, size, out, err);
}

kiln_status kiln_module_load_file_trusted(const char *path, const kiln_trust *trust,
                                          kiln_module **out, kiln_error *err)
{
    kiln_status st = KILN_OK;
    uint8_t *bytes = NULL;
    size_t size = 0, cap = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot open %s: %s", path,
                              strerror(errno));
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = kiln_realloc(bytes, cap);
            if (grown == NULL) {
                st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                    "out of memory reading %s", path);
                goto out;
            }
            bytes = grown;
        }
        size_t got = fread(bytes + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        st = kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot read %s", path);
        goto out;
    }
    /* Verified bytes are parsed where they are and kept by the module: a
     * copy the file's later writers cannot reach, made once. (Mapping the
     * file instead would let a change after the check reach the code.) */
    st = kiln_module_verify(bytes, size, trust, err);
    if (st == KILN_OK && out == NULL)
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                            "kiln_module_load_file_trusted: out is NULL");
    if (st == KILN_OK) {
        st = ld_module_parse(bytes, size, LD_BYTES_HEAP, out, err);
        if (st == KILN_OK)
            bytes = NULL; /* the module owns them */
    }
out:
    kiln_free(bytes);
    fclose(f);
    return st;
}

static kiln_status load_file_trusted(void *user_data, const char *path, kiln_module **out,
                                     kiln_error *err)
{
    return kiln_module_load_file_trusted(path, user_data, out, err);
}

kiln_status kiln_linker_use_module_path_trusted(kiln_linker *linker, const char *const *dirs,
                                                size_t dir_count, const kiln_trust *trust,
                                                kiln_error *err)
{
    if (trust == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_use_module_path_trusted: trust is NULL");
    return lnk_use_module_path(linker, dirs, dir_count, load_file_trusted, (void *)trust, err);
}
