/*
 * kilnc --gen-key and --sign (kilnc_sign.h). The trailer is
 * KILN_AOT_SIG_MAGIC, the signer's public key and the detached Ed25519
 * signature of the whole container (kiln/aot_format.h); the container bytes
 * themselves are not changed, so the checksum and file_size stay valid.
 * Key files are text so they survive copy and paste; the secret key file is
 * created with mode 0600.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "kiln/aot_format.h"
#include "kilnc_sign.h"

static const char secret_prefix[] = "kiln-ed25519-secret ";
static const char public_prefix[] = "kiln-ed25519-public ";

static bool write_key(const char *path, const char *prefix, const uint8_t *key, size_t n,
                      mode_t mode)
{
    char hex[2 * crypto_sign_SECRETKEYBYTES + 1];
    sodium_bin2hex(hex, sizeof hex, key, n);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        fprintf(stderr, "kilnc: error: cannot create %s: %s\n", path, strerror(errno));
        return false;
    }
    FILE *f = fdopen(fd, "w");
    bool ok = f != NULL && fprintf(f, "%s%s\n", prefix, hex) > 0;
    ok = (f != NULL ? fclose(f) == 0 : close(fd) == 0) && ok;
    sodium_memzero(hex, sizeof hex);
    if (!ok)
        fprintf(stderr, "kilnc: error: cannot write %s\n", path);
    return ok;
}

bool kilnc_gen_key(const char *path)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "kilnc: error: libsodium failed to initialise\n");
        return false;
    }
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    size_t n = strlen(path);
    char *pub = malloc(n + 5);
    if (pub == NULL) {
        fprintf(stderr, "kilnc: error: out of memory\n");
        return false;
    }
    memcpy(pub, path, n);
    memcpy(pub + n, ".pub", 5);
    bool ok = write_key(path, secret_prefix, sk, sizeof sk, 0600) &&
              write_key(pub, public_prefix, pk, sizeof pk, 0644);
    if (ok)
        printf("kilnc: wrote secret key %s and public key %s\n", path, pub);
    sodium_memzero(sk, sizeof sk);
    free(pub);
    return ok;
}

bool kilnc_sign(const char *keyfile, const uint8_t *container, size_t size, uint8_t **out,
                size_t *out_size)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "kilnc: error: libsodium failed to initialise\n");
        return false;
    }
    char text[512];
    FILE *f = fopen(keyfile, "rb");
    if (f == NULL) {
        fprintf(stderr, "kilnc: error: cannot open key file %s: %s\n", keyfile,
                strerror(errno));
        return false;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    /* The line's end is not part of the key. */
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    text[n] = '\0';
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    size_t sk_len = 0;
    size_t plen = sizeof secret_prefix - 1;
    bool ok = n >= plen && memcmp(text, secret_prefix, plen) == 0 &&
              sodium_hex2bin(sk, sizeof sk, text + plen, n - plen, NULL, &sk_len, NULL) == 0 &&
              sk_len == sizeof sk;
    sodium_memzero(text, sizeof text);
    if (!ok) {
        fprintf(stderr,
                "kilnc: error: %s is not a kiln secret key file (one line \"%s<128 hex "
                "digits>\", as written by kilnc --gen-key)\n",
                keyfile, secret_prefix);
        return false;
    }
    uint8_t *signed_bytes = malloc(size + KILN_AOT_SIG_TRAILER_SIZE);
    if (signed_bytes == NULL) {
        sodium_memzero(sk, sizeof sk);
        fprintf(stderr, "kilnc: error: out of memory\n");
        return false;
    }
    memcpy(signed_bytes, container, size);
    uint8_t *trailer = signed_bytes + size;
    memcpy(trailer, KILN_AOT_SIG_MAGIC, KILN_AOT_SIG_MAGIC_SIZE);
    /* The public key is the second half of libsodium's secret key. */
    crypto_sign_ed25519_sk_to_pk(trailer + KILN_AOT_SIG_KEY_OFFSET, sk);
    crypto_sign_detached(trailer + KILN_AOT_SIG_SIGNATURE_OFFSET, NULL, container,
                         (unsigned long long)size, sk);
    sodium_memzero(sk, sizeof sk);
    *out = signed_bytes;
    *out_size = size + KILN_AOT_SIG_TRAILER_SIZE;
    return true;
}
