/*
 * hugepages.node: one N-API function, adviseHugePages(u8: Uint8Array): boolean.
 *
 * Why: Pixie walks are bound by TLB misses over ~160 MB of adjacency. On hosts whose
 * transparent-huge-page mode is "madvise", memory gets 2 MiB pages only when asked for with
 * madvise(MADV_HUGEPAGE). V8 maps WebAssembly memory itself (not through malloc), so neither
 * glibc's hugetlb tunable nor anything in JavaScript can ask; this addon does.
 *
 * Built by scripts/build-native.mjs without node-gyp: the N-API symbols are left undefined
 * and resolve from the node binary when the addon is loaded.
 */
#include <node_api.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value advise(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;

  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value arraybuffer;
  size_t offset;
  /* a Uint8Array so that length is in bytes; works over a SharedArrayBuffer too */
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "adviseHugePages expects a Uint8Array");
    return NULL;
  }

  int ok = 0;
  if (length > 0 && data != NULL) {
    /* madvise wants a page-aligned start; widening to whole pages only touches our own mapping */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)data & ~(page - 1);
    uintptr_t end = ((uintptr_t)data + length + page - 1) & ~(page - 1);
    ok = madvise((void *)start, end - start, MADV_HUGEPAGE) == 0;
  }

  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

/* context-aware, so worker threads may load it too */
NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "adviseHugePages", NAPI_AUTO_LENGTH, advise, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "adviseHugePages", fn) != napi_ok) return NULL;
  return exports;
}
