/*
 * Exact PDQ range search by multi-index hashing over memory-mapped, CSR-style tables.
 *
 * Each hash (32 bytes, MSB-first) is cut into `count` chunks of `width` bits (bits past count * width are
 * not indexed, which keeps the search exact: the chunk distances of a pair add up to at most its full
 * distance). Table t holds, for every chunk value v, the positions of the hashes whose chunk t equals v:
 * positions[t][offsets[t][v] .. offsets[t][v + 1]). A query gives each table a radius r_t (or -1 to skip
 * it); when the radii satisfy sum(r_t + 1) > threshold, every hash within the threshold has some chunk
 * within its table's radius (pigeonhole), so probing every chunk value within r_t of the query's chunk in
 * every table finds all of them. Each candidate's full distance is then checked, and a hit is reported by
 * the first table that can reach it only, so no result is repeated and no set of seen positions is needed.
 *
 * The arrays come from numpy memory maps through the buffer protocol; nothing is copied at open. Damaged
 * offsets or positions can give wrong answers but never read out of bounds: every index is clamped.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES 32
#define HASH_BITS 256
#define MAX_WIDTH 30
#define PREFETCH_AHEAD 12

/* popcount needs the instruction to be fast; clone the hot loops for CPUs that have it. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HOT __attribute__((target_clones("popcnt", "default")))
#else
#define HOT
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch((const void *)(address), 0, 1)
#define POPCOUNT64(x) __builtin_popcountll(x)
#define POPCOUNT32(x) __builtin_popcount(x)
#else
#define PREFETCH(address) ((void)0)
static int POPCOUNT64(uint64_t x) {
    int n = 0;
    while (x) { x &= x - 1; n++; }
    return n;
}
#define POPCOUNT32(x) POPCOUNT64((uint64_t)(x))
#endif

static inline int hamming(const uint8_t *a, const uint8_t *b) {
    uint64_t x[4], y[4];
    memcpy(x, a, HASH_BYTES);
    memcpy(y, b, HASH_BYTES);
    return POPCOUNT64(x[0] ^ y[0]) + POPCOUNT64(x[1] ^ y[1]) + POPCOUNT64(x[2] ^ y[2]) +
           POPCOUNT64(x[3] ^ y[3]);
}

/* Bits [start, start + width) of a hash, the first bit the most significant. */
static inline uint32_t chunk_value(const uint8_t *hash, int start, int width) {
    int first = start >> 3, last = (start + width - 1) >> 3;
    uint64_t value = 0;
    for (int k = first; k <= last; k++) value = (value << 8) | hash[k];
    value >>= (last - first + 1) * 8 - (start & 7) - width;
    return (uint32_t)(value & ((UINT64_C(1) << width) - 1));
}

/* ---------------------------------------------------------------------------------------------------- */
/* Growable output: positions (uint32) and distances (uint8) of hits. */

typedef struct {
    uint32_t *positions;
    uint8_t *distances;
    size_t size, capacity;
} Hits;

static int hits_push(Hits *hits, uint32_t position, int distance) {
    if (hits->size == hits->capacity) {
        size_t capacity = hits->capacity ? hits->capacity * 2 : 256;
        uint32_t *positions = realloc(hits->positions, capacity * sizeof(uint32_t));
        if (!positions) return -1;
        hits->positions = positions;
        uint8_t *distances = realloc(hits->distances, capacity);
        if (!distances) return -1;
        hits->distances = distances;
        hits->capacity = capacity;
    }
    hits->positions[hits->size] = position;
    hits->distances[hits->size] = (uint8_t)distance;
    hits->size++;
    return 0;
}

static void hits_free(Hits *hits) {
    free(hits->positions);
    free(hits->distances);
}

/* Scratch space for one query, reused across the queries of a batch. */
typedef struct {
    uint32_t *keys;
    size_t keys_capacity;
    uint32_t *candidates;
    size_t candidates_capacity;
} Scratch;

static int ensure(uint32_t **buffer, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return 0;
    size_t grown = *capacity ? *capacity : 1024;
    while (grown < needed) grown *= 2;
    uint32_t *bigger = realloc(*buffer, grown * sizeof(uint32_t));
    if (!bigger) return -1;
    *buffer = bigger;
    *capacity = grown;
    return 0;
}

/* Number of values within Hamming distance `radius` of a `width`-bit value. */
static size_t ball_size(int width, int radius) {
    size_t total = 0, term = 1;
    for (int k = 0; k <= radius && k <= width; k++) {
        total += term;
        term = term * (size_t)(width - k) / (size_t)(k + 1);
    }
    return total;
}

/* Every value within `radius` bits of `center`, flipping bits at index >= `from` only. */
static size_t enumerate_ball(uint32_t center, int width, int radius, int from, uint32_t *out) {
    size_t n = 0;
    out[n++] = center;
    if (radius == 0) return n;
    for (int bit = from; bit < width; bit++) n += enumerate_ball(center ^ (UINT32_C(1) << bit), width, radius - 1, bit + 1, out + n);
    return n;
}

/* ---------------------------------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *hashes;
    const uint32_t *offsets;
    const uint32_t *positions;
    uint32_t n;
    int width, count;
} Tables;

/* Linear scan: every hash, for small indexes and thresholds too large for the tables to pay off. */
HOT static int scan_query(const Tables *tables, const uint8_t *query, int threshold, Hits *hits) {
    const uint8_t *hash = tables->hashes;
    for (uint32_t p = 0; p < tables->n; p++, hash += HASH_BYTES) {
        int distance = hamming(query, hash);
        if (distance <= threshold && hits_push(hits, p, distance) < 0) return -1;
    }
    return 0;
}

HOT static int mih_query(const Tables *tables, const uint8_t *query, int threshold, const int8_t *radii,
                         Scratch *scratch, Hits *hits) {
    const int width = tables->width, count = tables->count;
    const uint32_t n = tables->n;
    const size_t table_size = ((size_t)1 << width) + 1;
    uint32_t query_chunks[HASH_BITS];
    for (int t = 0; t < count; t++) query_chunks[t] = chunk_value(query, t * width, width);

    for (int t = 0; t < count; t++) {
        int radius = radii[t];
        if (radius < 0) continue;
        const uint32_t *offsets = tables->offsets + (size_t)t * table_size;
        const uint32_t *positions = tables->positions + (size_t)t * n;

        if (ensure(&scratch->keys, &scratch->keys_capacity, ball_size(width, radius)) < 0) return -1;
        size_t nkeys = enumerate_ball(query_chunks[t], width, radius, 0, scratch->keys);
        const uint32_t *keys = scratch->keys;

        /* Gather this table's candidates, prefetching offsets a few probes ahead. */
        size_t ncandidates = 0;
        for (size_t k = 0; k < nkeys && k < PREFETCH_AHEAD; k++) PREFETCH(offsets + keys[k]);
        for (size_t k = 0; k < nkeys; k++) {
            if (k + PREFETCH_AHEAD < nkeys) PREFETCH(offsets + keys[k + PREFETCH_AHEAD]);
            uint32_t begin = offsets[keys[k]], end = offsets[keys[k] + 1];
            if (end > n) end = n;
            if (begin >= end) continue;
            if (ensure(&scratch->candidates, &scratch->candidates_capacity, ncandidates + (end - begin)) < 0)
                return -1;
            memcpy(scratch->candidates + ncandidates, positions + begin, (size_t)(end - begin) * sizeof(uint32_t));
            ncandidates += end - begin;
        }

        /* Check each candidate's full distance, prefetching hashes ahead. */
        const uint32_t *candidates = scratch->candidates;
        for (size_t c = 0; c < ncandidates && c < PREFETCH_AHEAD; c++)
            if (candidates[c] < n) PREFETCH(tables->hashes + (size_t)candidates[c] * HASH_BYTES);
        for (size_t c = 0; c < ncandidates; c++) {
            if (c + PREFETCH_AHEAD < ncandidates && candidates[c + PREFETCH_AHEAD] < n)
                PREFETCH(tables->hashes + (size_t)candidates[c + PREFETCH_AHEAD] * HASH_BYTES);
            uint32_t p = candidates[c];
            if (p >= n) continue;
            const uint8_t *hash = tables->hashes + (size_t)p * HASH_BYTES;
            int distance = hamming(query, hash);
            if (distance > threshold) continue;
            /* The chunk value matched within the radius unless the data is damaged; check, then make
             * sure no earlier table reaches this hash too (it would have reported it already). */
            if (POPCOUNT32(chunk_value(hash, t * width, width) ^ query_chunks[t]) > radius) continue;
            int earlier = 0;
            for (int s = 0; s < t && !earlier; s++)
                earlier = radii[s] >= 0 &&
                          POPCOUNT32(chunk_value(hash, s * width, width) ^ query_chunks[s]) <= radii[s];
            if (!earlier && hits_push(hits, p, distance) < 0) return -1;
        }
    }
    return 0;
}

/* Counting sort of positions by each chunk value: offsets then positions, ascending within a bucket. */
HOT static void build(const uint8_t *hashes, uint32_t n, int width, int count, uint32_t *offsets_out,
                      uint32_t *positions_out) {
    const size_t table_size = ((size_t)1 << width) + 1;
    for (int t = 0; t < count; t++) {
        uint32_t *offsets = offsets_out + (size_t)t * table_size;
        uint32_t *positions = positions_out + (size_t)t * n;
        memset(offsets, 0, table_size * sizeof(uint32_t));
        for (uint32_t p = 0; p < n; p++) offsets[chunk_value(hashes + (size_t)p * HASH_BYTES, t * width, width) + 1]++;
        for (size_t v = 1; v < table_size; v++) offsets[v] += offsets[v - 1];
        /* offsets[v] now is the start of bucket v; fill using it as a cursor, then shift back. */
        for (uint32_t p = 0; p < n; p++) {
            uint32_t v = chunk_value(hashes + (size_t)p * HASH_BYTES, t * width, width);
            positions[offsets[v]++] = p;
        }
        for (size_t v = table_size - 1; v > 0; v--) offsets[v] = offsets[v - 1];
        offsets[0] = 0;
    }
}

/* ---------------------------------------------------------------------------------------------------- */
/* Python glue. */

typedef struct {
    PyObject_HEAD
    Py_buffer hashes, offsets, positions;
    int have_hashes, have_offsets, have_positions;
    Tables tables;
} Searcher;

static int get_buffer(PyObject *object, Py_buffer *view, int writable, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s buffer", what, writable ? " writable" : "");
        return -1;
    }
    return 0;
}

static int check_layout(Py_ssize_t hash_bytes, Py_ssize_t offset_bytes, Py_ssize_t position_bytes, int width,
                        int count, uint32_t *n_out) {
    if (hash_bytes % HASH_BYTES) {
        PyErr_SetString(PyExc_ValueError, "hashes must be a whole number of 32-byte PDQ hashes");
        return -1;
    }
    Py_ssize_t n = hash_bytes / HASH_BYTES;
    if ((uint64_t)n > UINT32_MAX - 1) {
        PyErr_SetString(PyExc_ValueError, "an index holds fewer than 2**32 - 1 hashes");
        return -1;
    }
    if (count < 0 || (count > 0 && (width < 1 || width > MAX_WIDTH || width * count > HASH_BITS))) {
        PyErr_SetString(PyExc_ValueError, "chunks must be 1-30 bits wide and fit in 256 bits");
        return -1;
    }
    Py_ssize_t table_size = count ? ((Py_ssize_t)1 << width) + 1 : 0;
    if (offset_bytes != (Py_ssize_t)sizeof(uint32_t) * table_size * count ||
        position_bytes != (Py_ssize_t)sizeof(uint32_t) * n * count) {
        PyErr_SetString(PyExc_ValueError, "offsets or positions do not match the number of hashes and chunks");
        return -1;
    }
    *n_out = (uint32_t)n;
    return 0;
}

static void Searcher_dealloc(Searcher *self) {
    if (self->have_hashes) PyBuffer_Release(&self->hashes);
    if (self->have_offsets) PyBuffer_Release(&self->offsets);
    if (self->have_positions) PyBuffer_Release(&self->positions);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Searcher_init(Searcher *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"hashes", "offsets", "positions", "width", "count", NULL};
    PyObject *hashes, *offsets, *positions;
    int width, count;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOii", names, &hashes, &offsets, &positions, &width, &count))
        return -1;
    if (self->have_hashes || self->have_offsets || self->have_positions) {
        PyErr_SetString(PyExc_RuntimeError, "a Searcher is initialised once");
        return -1;
    }
    if (get_buffer(hashes, &self->hashes, 0, "hashes") < 0) return -1;
    self->have_hashes = 1;
    if (get_buffer(offsets, &self->offsets, 0, "offsets") < 0) return -1;
    self->have_offsets = 1;
    if (get_buffer(positions, &self->positions, 0, "positions") < 0) return -1;
    self->have_positions = 1;
    uint32_t n;
    if (check_layout(self->hashes.len, self->offsets.len, self->positions.len, width, count, &n) < 0) return -1;
    self->tables.hashes = self->hashes.buf;
    self->tables.offsets = self->offsets.buf;
    self->tables.positions = self->positions.buf;
    self->tables.n = n;
    self->tables.width = width;
    self->tables.count = count;
    return 0;
}

static PyObject *Searcher_search(Searcher *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"queries", "threshold", "radii", NULL};
    Py_buffer queries, radii;
    int threshold;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*iy*", names, &queries, &threshold, &radii)) return NULL;
    PyObject *result = NULL;
    if (queries.len % HASH_BYTES) {
        PyErr_SetString(PyExc_ValueError, "queries must be a whole number of 32-byte PDQ hashes");
        goto done;
    }
    if (radii.len != 0 && radii.len != self->tables.count) {
        PyErr_SetString(PyExc_ValueError, "radii must be empty (scan) or give one radius per chunk");
        goto done;
    }
    const int8_t *radius = radii.buf;
    for (Py_ssize_t t = 0; t < radii.len; t++) {
        if (radius[t] > 8) {
            PyErr_SetString(PyExc_ValueError, "a chunk radius is at most 8");
            goto done;
        }
    }
    Py_ssize_t nqueries = queries.len / HASH_BYTES;
    int64_t *limits = PyMem_RawMalloc((size_t)(nqueries + 1) * sizeof(int64_t));
    if (!limits) {
        PyErr_NoMemory();
        goto done;
    }
    Hits hits = {0};
    Scratch scratch = {0};
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    limits[0] = 0;
    for (Py_ssize_t q = 0; q < nqueries && !failed; q++) {
        const uint8_t *query = (const uint8_t *)queries.buf + q * HASH_BYTES;
        if (radii.len == 0)
            failed = scan_query(&self->tables, query, threshold, &hits) < 0;
        else
            failed = mih_query(&self->tables, query, threshold, radius, &scratch, &hits) < 0;
        limits[q + 1] = (int64_t)hits.size;
    }
    Py_END_ALLOW_THREADS
    free(scratch.keys);
    free(scratch.candidates);
    if (failed) {
        PyErr_NoMemory();
    } else {
        result = Py_BuildValue("(y#y#y#)", (const char *)limits, (Py_ssize_t)((nqueries + 1) * sizeof(int64_t)),
                               hits.size ? (const char *)hits.positions : "",
                               (Py_ssize_t)(hits.size * sizeof(uint32_t)),
                               hits.size ? (const char *)hits.distances : "", (Py_ssize_t)hits.size);
    }
    hits_free(&hits);
    PyMem_RawFree(limits);
done:
    PyBuffer_Release(&queries);
    PyBuffer_Release(&radii);
    return result;
}

static PyObject *build_tables(PyObject *module, PyObject *args, PyObject *kwargs) {
    (void)module;
    static char *names[] = {"hashes", "width", "count", "offsets", "positions", NULL};
    PyObject *hashes_object, *offsets_object, *positions_object;
    int width, count;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OiiOO", names, &hashes_object, &width, &count, &offsets_object,
                                     &positions_object))
        return NULL;
    Py_buffer hashes, offsets, positions;
    if (get_buffer(hashes_object, &hashes, 0, "hashes") < 0) return NULL;
    if (get_buffer(offsets_object, &offsets, 1, "offsets") < 0) {
        PyBuffer_Release(&hashes);
        return NULL;
    }
    if (get_buffer(positions_object, &positions, 1, "positions") < 0) {
        PyBuffer_Release(&hashes);
        PyBuffer_Release(&offsets);
        return NULL;
    }
    uint32_t n;
    int ok = check_layout(hashes.len, offsets.len, positions.len, width, count, &n) == 0;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        build(hashes.buf, n, width, count, offsets.buf, positions.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&positions);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Searcher_methods[] = {
    {"search", (PyCFunction)(void (*)(void))Searcher_search, METH_VARARGS | METH_KEYWORDS,
     "search(queries, threshold, radii) -> (limits, positions, distances) as bytes: int64 limits (one more than "
     "queries), uint32 positions and uint8 distances of every hash within threshold. Empty radii scan all hashes."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SearcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "warden.index._mih.Searcher",
    .tp_doc = PyDoc_STR("Searcher(hashes, offsets, positions, width, count): exact range search over MIH tables."),
    .tp_basicsize = sizeof(Searcher),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Searcher_init,
    .tp_dealloc = (destructor)Searcher_dealloc,
    .tp_methods = Searcher_methods,
};

static PyMethodDef module_methods[] = {
    {"build_tables", (PyCFunction)(void (*)(void))build_tables, METH_VARARGS | METH_KEYWORDS,
     "build_tables(hashes, width, count, offsets, positions): fill the writable offsets and positions buffers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "_mih", "Exact PDQ range search by multi-index hashing.", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__mih(void) {
    if (PyType_Ready(&SearcherType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_definition);
    if (!module) return NULL;
    Py_INCREF(&SearcherType);
    if (PyModule_AddObject(module, "Searcher", (PyObject *)&SearcherType) < 0) {
        Py_DECREF(&SearcherType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
