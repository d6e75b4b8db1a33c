/*
 * PDQ's downscale, DCT and quality for an image and its three mirrorings at once (see dihedral.py).
 *
 * dihedral.py works out, per side, PDQ's two box passes and decimation as one band of weights per sample:
 * 128 rows of indices and weights (the 64 samples of the side as it is, then of the side reversed). Here the
 * luma is read once, row by row: each row is added, weighted, to the sample rows that use it, giving a 128 x
 * width block of float32 rows; each sample column is then a weighted sum over it (in double), giving the
 * 128 x 128 block of the four 64 x 64 grids; then each grid's 16 x 16 DCT (frequencies 1-16) and its quality,
 * as the reference computes them, and from each DCT the hash and its transpose's (the turned image's).
 *
 * The image comes as a buffer with strides: height x width of uint8 or float32 (a luma plane, or a crop of
 * one), or height x width x channels of uint8 RGB, turned into luma here with the reference's weights in
 * float32, as dihedral.luma does. An image wider than WIDE pixels (wider than tall) is read along its
 * shorter side (transposed), so memory stays 128 rows of at most WIDE pixels or of the shorter side whatever
 * its shape (a 5 x 30,000,000 strip); the result is the same up to float rounding.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GRID 64
#define BLOCK (2 * GRID)
#define FREQUENCIES 16
#define WIDE 16384

typedef struct {
    const char *data;
    Py_ssize_t height, width;           /* as read: rows of `width` samples */
    Py_ssize_t row_stride, col_stride;  /* bytes */
    Py_ssize_t channel_stride;          /* bytes; 0 for a luma plane */
    int is_float;                       /* float32 plane, else uint8 */
} Plane;

typedef struct {
    const int64_t *indices; /* BLOCK x taps */
    const double *weights;  /* BLOCK x taps */
    Py_ssize_t taps;
} Band;

static double dct_matrix[FREQUENCIES][GRID];

static void init_dct(void) {
    for (int f = 0; f < FREQUENCIES; f++)
        for (int j = 0; j < GRID; j++)
            dct_matrix[f][j] = sqrt(2.0 / GRID) * cos(M_PI / 2 / GRID * (f + 1) * (2 * j + 1));
}

/* Line y of the plane as float32 luma. */
static void read_line(const Plane *plane, Py_ssize_t y, float *line) {
    const char *row = plane->data + y * plane->row_stride;
    if (plane->channel_stride) {
        const Py_ssize_t c = plane->channel_stride;
        for (Py_ssize_t x = 0; x < plane->width; x++) {
            const uint8_t *pixel = (const uint8_t *)(row + x * plane->col_stride);
            float luma = (float)pixel[0] * 0.299f;
            luma += (float)pixel[c] * 0.587f;
            luma += (float)pixel[2 * c] * 0.114f;
            line[x] = luma;
        }
    } else if (plane->is_float) {
        for (Py_ssize_t x = 0; x < plane->width; x++) line[x] = *(const float *)(row + x * plane->col_stride);
    } else {
        for (Py_ssize_t x = 0; x < plane->width; x++) line[x] = (float)*(const uint8_t *)(row + x * plane->col_stride);
    }
}

/* The 128 x 128 block (rows x columns of the plane as read). Returns 0, or -1 when out of memory. */
static int grids(const Plane *plane, const Band *rows_band, const Band *cols_band, double *block) {
    const Py_ssize_t width = plane->width, height = plane->height;
    const Py_ssize_t pairs = BLOCK * rows_band->taps;
    float *rows = calloc((size_t)BLOCK * (size_t)width, sizeof(float));
    float *line = malloc((size_t)width * sizeof(float));
    Py_ssize_t *starts = calloc((size_t)height + 1, sizeof(Py_ssize_t));
    Py_ssize_t *order = malloc((size_t)pairs * sizeof(Py_ssize_t));
    int status = -1;
    if (!rows || !line || !starts || !order) goto done;
    /* Which (sample row, tap) pairs read each line: counted, then placed (a counting sort by line). */
    for (Py_ssize_t p = 0; p < pairs; p++) starts[rows_band->indices[p] + 1]++;
    for (Py_ssize_t y = 0; y < height; y++) starts[y + 1] += starts[y];
    {
        Py_ssize_t *next = malloc((size_t)height * sizeof(Py_ssize_t));
        if (!next) goto done;
        memcpy(next, starts, (size_t)height * sizeof(Py_ssize_t));
        for (Py_ssize_t p = 0; p < pairs; p++) order[next[rows_band->indices[p]]++] = p;
        free(next);
    }
    for (Py_ssize_t y = 0; y < height; y++) {
        if (starts[y] == starts[y + 1]) continue;
        read_line(plane, y, line);
        for (Py_ssize_t q = starts[y]; q < starts[y + 1]; q++) {
            const Py_ssize_t p = order[q];
            const float weight = (float)rows_band->weights[p];
            float *out = rows + (p / rows_band->taps) * width;
            for (Py_ssize_t x = 0; x < width; x++) out[x] += weight * line[x];
        }
    }
    for (int r = 0; r < BLOCK; r++) {
        const float *in = rows + (Py_ssize_t)r * width;
        for (int c = 0; c < BLOCK; c++) {
            const int64_t *indices = cols_band->indices + c * cols_band->taps;
            const double *weights = cols_band->weights + c * cols_band->taps;
            double sum = 0.0;
            for (Py_ssize_t k = 0; k < cols_band->taps; k++) sum += weights[k] * (double)in[indices[k]];
            block[r * BLOCK + c] = sum;
        }
    }
    status = 0;
done:
    free(rows);
    free(line);
    free(starts);
    free(order);
    return status;
}

/* DCT and quality of each grid of the block: coefficients [down][across][f][g], qualities [down][across]. */
static void transform(const double *block, double *coefficients, long *qualities) {
    for (int down = 0; down < 2; down++) {
        for (int across = 0; across < 2; across++) {
            const double *grid = block + down * GRID * BLOCK + across * GRID;
            double partial[FREQUENCIES][GRID];
            for (int f = 0; f < FREQUENCIES; f++) {
                for (int j = 0; j < GRID; j++) partial[f][j] = 0.0;
                for (int i = 0; i < GRID; i++) {
                    const double weight = dct_matrix[f][i];
                    const double *row = grid + i * BLOCK;
                    for (int j = 0; j < GRID; j++) partial[f][j] += weight * row[j];
                }
            }
            double *out = coefficients + (down * 2 + across) * FREQUENCIES * FREQUENCIES;
            for (int f = 0; f < FREQUENCIES; f++) {
                for (int g = 0; g < FREQUENCIES; g++) {
                    double sum = 0.0;
                    for (int j = 0; j < GRID; j++) sum += partial[f][j] * dct_matrix[g][j];
                    out[f * FREQUENCIES + g] = sum;
                }
            }
            /* The reference's quality: gradients between neighbours in float, each truncated, summed. */
            long total = 0;
            for (int i = 0; i < GRID; i++) {
                for (int j = 0; j < GRID; j++) {
                    const float here = (float)grid[i * BLOCK + j];
                    if (i + 1 < GRID) {
                        const float step = (float)grid[(i + 1) * BLOCK + j] - here;
                        total += labs((long)truncf(step * 100.0f / 255.0f));
                    }
                    if (j + 1 < GRID) {
                        const float step = (float)grid[i * BLOCK + j + 1] - here;
                        total += labs((long)truncf(step * 100.0f / 255.0f));
                    }
                }
            }
            const long quality = total / 90;
            qualities[down * 2 + across] = quality < 100 ? quality : 100;
        }
    }
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Each grid's hash and its transpose's, 32 bytes each in the reference's order: bit k is coefficient
   (k / 16, k % 16) over the median (the lower of the two middle values, Torben's), and the bytes run from
   bit 255 down, most significant bit first. Order: per grid [down][across], the hash then the transposed. */
static void hash_bits(const double *coefficients, uint8_t *hashes) {
    memset(hashes, 0, 8 * 32);
    for (int grid = 0; grid < 4; grid++) {
        const double *values = coefficients + grid * FREQUENCIES * FREQUENCIES;
        double sorted[FREQUENCIES * FREQUENCIES];
        memcpy(sorted, values, sizeof(sorted));
        qsort(sorted, FREQUENCIES * FREQUENCIES, sizeof(double), compare_doubles);
        const double median = sorted[FREQUENCIES * FREQUENCIES / 2 - 1];
        uint8_t *plain = hashes + grid * 64, *transposed = plain + 32;
        for (int k = 0; k < FREQUENCIES * FREQUENCIES; k++) {
            const int byte = (255 - k) / 8, mask = 0x80 >> ((255 - k) % 8);
            if (values[k] > median) plain[byte] |= mask;
            if (values[(k % FREQUENCIES) * FREQUENCIES + k / FREQUENCIES] > median) transposed[byte] |= mask;
        }
    }
}

static int get_band(Py_buffer *indices, Py_buffer *weights, Py_ssize_t length, const char *side, Band *band) {
    if (indices->len % (Py_ssize_t)(BLOCK * sizeof(int64_t)) || indices->len == 0 ||
        weights->len != indices->len / (Py_ssize_t)sizeof(int64_t) * (Py_ssize_t)sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "the %s band must be 128 x taps int64 indices and float64 weights", side);
        return -1;
    }
    band->indices = indices->buf;
    band->weights = weights->buf;
    band->taps = indices->len / (Py_ssize_t)(BLOCK * sizeof(int64_t));
    for (Py_ssize_t p = 0; p < BLOCK * band->taps; p++) {
        if (band->indices[p] < 0 || band->indices[p] >= length) {
            PyErr_Format(PyExc_ValueError, "the %s band reads outside the image", side);
            return -1;
        }
    }
    return 0;
}

static PyObject *dihedral(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"plane", "row_indices", "row_weights", "column_indices", "column_weights", NULL};
    PyObject *plane_object;
    Py_buffer view, row_indices, row_weights, column_indices, column_weights;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Oy*y*y*y*", names, &plane_object, &row_indices, &row_weights,
                                     &column_indices, &column_weights))
        return NULL;
    PyObject *result = NULL;
    int have_view = 0;
    double *block = NULL;
    if (PyObject_GetBuffer(plane_object, &view, PyBUF_RECORDS_RO) < 0) goto done;
    have_view = 1;
    Plane plane = {.data = view.buf};
    const char *format = view.format ? view.format : "B";
    if (view.ndim == 2 && (strcmp(format, "B") == 0 || strcmp(format, "f") == 0)) {
        plane.is_float = format[0] == 'f';
    } else if (view.ndim == 3 && strcmp(format, "B") == 0 && view.shape[2] >= 3) {
        plane.channel_stride = view.strides[2];
    } else {
        PyErr_SetString(PyExc_ValueError, "the image must be height x width uint8 or float32, or height x width x 3 uint8");
        goto done;
    }
    if (view.shape[0] < 1 || view.shape[1] < 1) {
        PyErr_SetString(PyExc_ValueError, "the image has no pixels");
        goto done;
    }
    Band rows_band, cols_band;
    if (get_band(&row_indices, &row_weights, view.shape[0], "row", &rows_band) < 0 ||
        get_band(&column_indices, &column_weights, view.shape[1], "column", &cols_band) < 0)
        goto done;
    /* A very wide image is read along its shorter side, so the block of rows (128 x the side read across)
       stays small; others row by row, as they lie in memory. */
    const int transposed = view.shape[1] > view.shape[0] && view.shape[1] > WIDE;
    plane.height = transposed ? view.shape[1] : view.shape[0];
    plane.width = transposed ? view.shape[0] : view.shape[1];
    plane.row_stride = transposed ? view.strides[1] : view.strides[0];
    plane.col_stride = transposed ? view.strides[0] : view.strides[1];
    block = malloc(sizeof(double) * BLOCK * BLOCK);
    double coefficients[4 * FREQUENCIES * FREQUENCIES];
    uint8_t hashes[8 * 32];
    long qualities[4];
    int status;
    if (!block) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    status = grids(&plane, transposed ? &cols_band : &rows_band, transposed ? &rows_band : &cols_band, block);
    if (status == 0 && transposed) {
        for (int r = 0; r < BLOCK; r++)
            for (int c = r + 1; c < BLOCK; c++) {
                const double swap = block[r * BLOCK + c];
                block[r * BLOCK + c] = block[c * BLOCK + r];
                block[c * BLOCK + r] = swap;
            }
    }
    if (status == 0) {
        transform(block, coefficients, qualities);
        hash_bits(coefficients, hashes);
    }
    Py_END_ALLOW_THREADS
    if (status < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("y#(llll)", (const char *)hashes, (Py_ssize_t)sizeof(hashes), qualities[0], qualities[1],
                           qualities[2], qualities[3]);
done:
    free(block);
    if (have_view) PyBuffer_Release(&view);
    PyBuffer_Release(&row_indices);
    PyBuffer_Release(&row_weights);
    PyBuffer_Release(&column_indices);
    PyBuffer_Release(&column_weights);
    return result;
}

static PyMethodDef module_methods[] = {
    {"dihedral", (PyCFunction)(void (*)(void))dihedral, METH_VARARGS | METH_KEYWORDS,
     "dihedral(plane, row_indices, row_weights, column_indices, column_weights) -> (hashes, qualities): the PDQ "
     "hashes (8 x 32 bytes: per mirroring [rows mirrored][columns mirrored], its hash then its transpose's) and "
     "the qualities of the image and its three mirrorings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "_dihedral", "PDQ's downscale, DCT and quality for an image and its mirrorings.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__dihedral(void) {
    init_dct();
    return PyModule_Create(&module_definition);
}
