/*
 * Container signatures (kiln/signing.h): a signed container loads with its
 * key trusted; unsigned containers, containers signed by an untrusted key,
 * damaged containers and damaged signatures are each refused with their own
 * status and a message naming the problem. Built only with KILN_SIGNING.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "container_builder.h"
#include "kiln/signing.h"

typedef struct keypair {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
} keypair;

/* The sample container with the trailer of aot_format.h (malloc'ed). */
static void signed_sample(const keypair *k, uint8_t **out, size_t *size)
{
    uint8_t *bytes;
    size_t n;
    tb_sample_bytes(NULL, &bytes, &n);
    bytes = realloc(bytes, n + KILN_AOT_SIG_TRAILER_SIZE);
    uint8_t *t = bytes + n;
    memcpy(t, KILN_AOT_SIG_MAGIC, KILN_AOT_SIG_MAGIC_SIZE);
    memcpy(t + KILN_AOT_SIG_KEY_OFFSET, k->pk, sizeof k->pk);
    crypto_sign_detached(t + KILN_AOT_SIG_SIGNATURE_OFFSET, NULL, bytes, n, k->sk);
    *out = bytes;
    *size = n + KILN_AOT_SIG_TRAILER_SIZE;
}

static void expect(kiln_status st, const kiln_error *err, kiln_status want, const char *fragment)
{
    if (st != want || strstr(err->message, fragment) == NULL)
        fail_msg("got status %d (%s) \"%s\", wanted %d with \"%s\"", st, kiln_status_name(st),
                 err->message, want, fragment);
}

static kiln_status load(const uint8_t *bytes, size_t size, const kiln_trust *trust,
                        kiln_error *err)
{
    kiln_module *m = NULL;
    kiln_status st = kiln_module_load_trusted(bytes, size, trust, &m, err);
    if (st == KILN_OK)
        kiln_module_free(m);
    else
        assert_null(m);
    return st;
}

static void test_signing_accepts_and_refuses(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    keypair a, b;
    crypto_sign_keypair(a.pk, a.sk);
    crypto_sign_keypair(b.pk, b.sk);
    kiln_trust *trust = NULL;
    kiln_error err;
    assert_int_equal(kiln_trust_new(&trust, &err), KILN_OK);
    uint8_t *bytes;
    size_t size;
    signed_sample(&a, &bytes, &size);

    /* No keys: refused as a configuration error, not silently accepted. */
    expect(load(bytes, size, trust, &err), &err, KILN_ERR_ARGUMENT, "no trusted keys");
    assert_int_equal(kiln_trust_add_key(trust, b.pk, &err), KILN_OK);
    expect(load(bytes, size, trust, &err), &err, KILN_ERR_SIGNATURE,
           "which is not among this runtime's 1 trusted key");
    assert_int_equal(kiln_trust_add_key(trust, a.pk, &err), KILN_OK);
    assert_int_equal(kiln_trust_key_count(trust), 2);
    assert_int_equal(load(bytes, size, trust, &err), KILN_OK);
    /* A runtime that does not check signatures loads the file as is. */
    kiln_module *m = NULL;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    kiln_module_free(m);

    size_t container = size - KILN_AOT_SIG_TRAILER_SIZE;
    expect(load(bytes, container, trust, &err), &err, KILN_ERR_UNSIGNED,
           "container is not signed");
    expect(load(bytes, container, trust, &err), &err, KILN_ERR_UNSIGNED, "kilnc --sign");

    /* Every byte of the container and of the signature is covered. */
    for (size_t pos = 0; pos < size; pos += (pos < container ? 7 : 1)) {
        if (pos >= container && pos < container + KILN_AOT_SIG_KEY_OFFSET)
            continue; /* the magic: the file then counts as unsigned */
        bytes[pos] ^= 0x10;
        kiln_status st = load(bytes, size, trust, &err);
        bytes[pos] ^= 0x10;
        if (pos >= container + KILN_AOT_SIG_KEY_OFFSET &&
            pos < container + KILN_AOT_SIG_SIGNATURE_OFFSET)
            expect(st, &err, KILN_ERR_SIGNATURE, "not among this runtime's");
        else if (pos >= 24 || (pos >= 8 && pos < 12))
            expect(st, &err, KILN_ERR_SIGNATURE, "bad signature");
        else
            assert_int_not_equal(st, KILN_OK); /* magic, version, checksum, size */
    }
    bytes[container] ^= 1;
    expect(load(bytes, size, trust, &err), &err, KILN_ERR_UNSIGNED, "not signed");
    bytes[container] ^= 1;

    /* Not a container at all: the loader's message, not "unsigned". */
    static const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    expect(load(wasm, sizeof wasm, trust, &err), &err, KILN_ERR_IS_WASM, "kilnc");
    free(bytes);
    kiln_trust_free(trust);
    kiln_trust_free(NULL);
}

static void test_signing_key_files(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    keypair a;
    crypto_sign_keypair(a.pk, a.sk);
    char hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
    sodium_bin2hex(hex, sizeof hex, a.pk, sizeof a.pk);
    char path[] = "/tmp/kiln-test-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "kiln-ed25519-public %s\n", hex);
    fclose(f);
    kiln_trust *trust = NULL;
    kiln_error err;
    assert_int_equal(kiln_trust_new(&trust, &err), KILN_OK);
    assert_int_equal(kiln_trust_add_key_file(trust, path, &err), KILN_OK);
    uint8_t *bytes;
    size_t size;
    signed_sample(&a, &bytes, &size);
    char file[] = "/tmp/kiln-test-signed-XXXXXX";
    fd = mkstemp(file);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
    kiln_module *m = NULL;
    assert_int_equal(kiln_module_load_file_trusted(file, trust, &m, &err), KILN_OK);
    kiln_module_free(m);
    unlink(file);

    f = fopen(path, "w");
    fprintf(f, "kiln-ed25519-public 1234\n");
    fclose(f);
    expect(kiln_trust_add_key_file(trust, path, &err), &err, KILN_ERR_ARGUMENT,
           "is not a kiln public key file");
    unlink(path);
    expect(kiln_trust_add_key_file(trust, path, &err), &err, KILN_ERR_IO, "cannot open");
    assert_int_equal(kiln_trust_key_count(trust), 1);
    free(bytes);
    kiln_trust_free(trust);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_accepts_and_refuses),
        cmocka_unit_test(test_signing_key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
