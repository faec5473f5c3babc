/* contrib/thread_ctx, discovery: what an out-of-process reader (OTEP 4947 "Reading Protocol") relies on.
 *  - the TLS symbol otel_thread_ctx_v1 is in .dynsym as a global STT_TLS symbol, in this statically
 *    linked test executable (the target exports it) and in libotelc_thread_ctx.so (whose TLSDESC
 *    relocation shows the recommended dialect when the compiler supports it);
 *  - the dynamic linker resolves it (dlsym) to the calling thread's pointer;
 *  - /proc/self/maps has exactly one OTEL_CTX mapping whose OTEP 4719 header and ProcessContext payload
 *    carry threadlocal.schema_version = tlsdesc_v1_dev and a threadlocal.attribute_key_map array;
 *  - a forked child has its own, freshly published mapping (the parent's is MADV_DONTFORK). */
#include "../sdk/test_util.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otelc/contrib/thread_ctx.h"

/* ---- ELF: find a symbol in .dynsym, and relocations against it ---- */

typedef struct elf_sym_info {
    bool found;
    unsigned type, bind, vis;
    bool tlsdesc_reloc;
} elf_sym_info;

static elf_sym_info elf_lookup(const char *path, const char *name) {
    elf_sym_info info = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    assert_true(m != MAP_FAILED);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
    assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    size_t sym_index = 0;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM) continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(m + sh[i].sh_offset);
        const char *strtab = (const char *)(m + sh[sh[i].sh_link].sh_offset);
        size_t n = sh[i].sh_size / sizeof *syms;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(strtab + syms[k].st_name, name) == 0 && syms[k].st_shndx != SHN_UNDEF) {
                info.found = true;
                info.type = ELF64_ST_TYPE(syms[k].st_info);
                info.bind = ELF64_ST_BIND(syms[k].st_info);
                info.vis = ELF64_ST_VISIBILITY(syms[k].st_other);
                sym_index = k;
            }
        }
    }
#ifdef R_X86_64_TLSDESC
    for (unsigned i = 0; info.found && i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_RELA || sh[i].sh_link == 0 || sh[sh[i].sh_link].sh_type != SHT_DYNSYM) continue;
        const Elf64_Rela *r = (const Elf64_Rela *)(m + sh[i].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *r; k++)
            if (ELF64_R_SYM(r[k].r_info) == sym_index && ELF64_R_TYPE(r[k].r_info) == R_X86_64_TLSDESC)
                info.tlsdesc_reloc = true;
    }
#endif
    munmap((void *)m, (size_t)st.st_size);
    return info;
}

static void test_tls_symbol_in_executable_dynsym(void **state) {
    (void)state;
    elf_sym_info s = elf_lookup("/proc/self/exe", OTELC_THREAD_CTX_TLS_SYMBOL);
    assert_true(s.found);
    assert_int_equal(s.type, STT_TLS);
    assert_int_equal(s.bind, STB_GLOBAL);
    assert_int_equal(s.vis, STV_DEFAULT);
}

static void test_tls_symbol_in_shared_library(void **state) {
    (void)state;
#ifdef OTELC_TEST_THREAD_CTX_SO
    elf_sym_info s = elf_lookup(OTELC_TEST_THREAD_CTX_SO, OTELC_THREAD_CTX_TLS_SYMBOL);
    assert_true(s.found);
    assert_int_equal(s.type, STT_TLS);
    assert_int_equal(s.bind, STB_GLOBAL);
#ifdef OTELC_TEST_EXPECT_TLSDESC
    assert_true(s.tlsdesc_reloc); /* the OTEP's recommended dialect */
#endif
#else
    skip();
#endif
}

static void test_dlsym_resolves_to_this_threads_pointer(void **state) {
    (void)state;
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    otelc_thread_ctx_record *const *slot = dlsym(RTLD_DEFAULT, OTELC_THREAD_CTX_TLS_SYMBOL);
    assert_non_null(slot);
    assert_ptr_equal(*slot, otelc_thread_ctx_current());
    capture cap;
    capture_init(&cap);
    otelc_tracer_provider *tp = capture_provider(&cap, NULL);
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "s", NULL);
    otelc_scope sc = otelc_scope_enter(s);
    assert_non_null(*slot);
    assert_ptr_equal(*slot, otelc_thread_ctx_current());
    otelc_span_context ctx = otelc_span_get_context(s);
    assert_memory_equal((*slot)->span_id, ctx.span_id, 8);
    otelc_scope_exit(sc);
    assert_null(*slot);
    otelc_span_end(s, 0);
    capture_release(&cap);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&cap);
    otelc_thread_ctx_uninstall();
}

/* ---- process context, read as OTEP 4719 readers do ---- */

typedef struct header {
    char signature[8];
    uint32_t version;
    uint32_t payload_size;
    uint64_t published_at_ns;
    uint64_t payload;
} header;

/* Number of OTEL_CTX mappings in /proc/self/maps; *start gets the last one's address. */
static int find_otel_ctx(uintptr_t *start, size_t *len) {
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        const char *name = strchr(line, '/');
        const char *anon = strchr(line, '[');
        if ((name && strncmp(name, "/memfd:OTEL_CTX", 15) == 0) ||
            (anon && (strncmp(anon, "[anon:OTEL_CTX]", 15) == 0 || strncmp(anon, "[anon_shmem:OTEL_CTX]", 21) == 0))) {
            unsigned long a, b;
            if (sscanf(line, "%lx-%lx", &a, &b) == 2) {
                *start = a;
                *len = b - a;
                n++;
            }
        }
    }
    fclose(f);
    return n;
}

/* Reads a varint; returns the number of bytes or 0. */
static size_t varint(const uint8_t *p, size_t n, uint64_t *v) {
    *v = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        *v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) return i + 1;
    }
    return 0;
}
/* Next length-delimited field of a message: returns false at the end or on anything else. */
static bool next_ld(const uint8_t **p, const uint8_t *end, unsigned *field, const uint8_t **val, size_t *vlen) {
    if (*p >= end) return false;
    uint64_t tag, len;
    size_t k = varint(*p, (size_t)(end - *p), &tag);
    if (!k || (tag & 7) != 2) return false;
    *p += k;
    k = varint(*p, (size_t)(end - *p), &len);
    if (!k || len > (uint64_t)(end - *p - (ptrdiff_t)k)) return false;
    *p += k;
    *field = (unsigned)(tag >> 3);
    *val = *p;
    *vlen = (size_t)len;
    *p += len;
    return true;
}

/* Validates the mapping at `start` like a reader; returns 0 or a line-ish error code. */
static int check_process_ctx(uintptr_t start, size_t len) {
    const header *h = (const header *)start;
    if (len < sizeof *h) return 1;
    if (memcmp(h->signature, OTELC_PROCESS_CTX_SIGNATURE, 8) != 0) return 2;
    if (h->version != OTELC_PROCESS_CTX_VERSION) return 3;
    uint64_t published = h->published_at_ns;
    if (published == 0) return 4;
    const uint8_t *p = (const uint8_t *)(uintptr_t)h->payload, *end = p + h->payload_size;
    if (h->payload_size == 0 || h->payload_size > 4096) return 5;
    bool schema = false, keymap = false;
    unsigned f;
    const uint8_t *v;
    size_t vl;
    while (next_ld(&p, end, &f, &v, &vl)) {
        if (f != 2) continue; /* extra_attributes */
        const uint8_t *q = v, *qe = v + vl;
        const uint8_t *key = NULL, *any = NULL;
        size_t keyl = 0, anyl = 0;
        unsigned g;
        const uint8_t *w;
        size_t wl;
        while (next_ld(&q, qe, &g, &w, &wl)) {
            if (g == 1) key = w, keyl = wl;
            if (g == 2) any = w, anyl = wl;
        }
        if (!key || !any) return 6;
        const uint8_t *r = any, *re = any + anyl;
        if (keyl == 26 && memcmp(key, "threadlocal.schema_version", 26) == 0) {
            if (!next_ld(&r, re, &g, &w, &wl) || g != 1) return 7;
            if (wl != strlen(OTELC_THREAD_CTX_SCHEMA_VERSION) || memcmp(w, OTELC_THREAD_CTX_SCHEMA_VERSION, wl) != 0)
                return 8;
            schema = true;
        } else if (keyl == 29 && memcmp(key, "threadlocal.attribute_key_map", 29) == 0) {
            if (!next_ld(&r, re, &g, &w, &wl) || g != 5) return 9; /* array_value */
            keymap = true;
        }
    }
    if (!schema || !keymap) return 10;
    if (h->published_at_ns != published) return 11; /* re-read: consistent */
    return 0;
}

static void test_process_context_mapping(void **state) {
    (void)state;
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    uintptr_t start = 0;
    size_t len = 0;
    assert_int_equal(find_otel_ctx(&start, &len), 1);
    assert_int_equal(check_process_ctx(start, len), 0);
    /* Install again (after an uninstall too): still one mapping, the same one. */
    otelc_thread_ctx_uninstall();
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    uintptr_t again = 0;
    assert_int_equal(find_otel_ctx(&again, &len), 1);
    assert_true(again == start);
    otelc_thread_ctx_uninstall();
}

static void test_forked_child_publishes_its_own(void **state) {
    (void)state;
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    uintptr_t parent = 0;
    size_t len = 0;
    assert_int_equal(find_otel_ctx(&parent, &len), 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uintptr_t child = 0;
        size_t clen = 0;
        int n = find_otel_ctx(&child, &clen);
        int rc = n != 1 ? 20 + n : check_process_ctx(child, clen);
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    otelc_thread_ctx_uninstall();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_symbol_in_executable_dynsym),
        cmocka_unit_test(test_tls_symbol_in_shared_library),
        cmocka_unit_test(test_dlsym_resolves_to_this_threads_pointer),
        cmocka_unit_test(test_process_context_mapping),
        cmocka_unit_test(test_forked_child_publishes_its_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
