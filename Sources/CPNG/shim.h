// Private to the Media module. libpng reports errors by longjmp, and Swift cannot call setjmp,
// so the two entry points that need it live here as C: each returns 0 on success, or 1 with a
// message naming the libpng call that failed. Samples are kept at the file's depth, exactly.
#ifndef NICER_CPNG_SHIM_H
#define NICER_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

typedef struct {
    jmp_buf jump;
    char message[256];
} cpng_error_state;

static void cpng_on_error(png_structp png, png_const_charp text) {
    cpng_error_state *state = (cpng_error_state *)png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "%s", text);
    longjmp(state->jump, 1);
}

static void cpng_on_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static inline int cpng_fail(char *message, size_t size, const char *call, const char *detail) {
    snprintf(message, size, "%s: %s", call, detail);
    return 1;
}

/// Reads a PNG: palettes and low-bit gray expanded to 8 bits, tRNS to alpha; 16-bit samples
/// stay 16-bit, in host byte order. *pixels is malloc'd (free it). channels 1 gray, 2 gray+alpha,
/// 3 RGB, 4 RGBA; depth 8 or 16.
static inline int cpng_read(const char *path, unsigned *width, unsigned *height, int *channels, int *depth,
                            void **pixels, char *message, size_t message_size) {
    *pixels = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) return cpng_fail(message, message_size, "fopen", strerror(errno));
    unsigned char signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        return cpng_fail(message, message_size, "png_sig_cmp", "not a PNG file");
    }
    cpng_error_state state;
    state.message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, cpng_on_error, cpng_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return cpng_fail(message, message_size, "png_create_read_struct", "out of memory");
    }
    unsigned char *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(state.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        free(buffer);
        free(rows);
        return cpng_fail(message, message_size, "png_read_image", state.message);
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, 1u << 16, 1u << 16);
    png_read_info(png, info);
    png_set_expand(png);
    int little_endian = 1;
    if (png_get_bit_depth(png, info) == 16 && *(unsigned char *)&little_endian) png_set_swap(png);
    png_read_update_info(png, info);
    unsigned w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int c = png_get_channels(png, info), d = png_get_bit_depth(png, info);
    if ((size_t)w * h > (1u << 28)) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return cpng_fail(message, message_size, "png_read_info", "image too large");
    }
    size_t row_bytes = png_get_rowbytes(png, info);
    buffer = (unsigned char *)malloc(row_bytes * h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!buffer || !rows) png_error(png, "out of memory");
    for (unsigned y = 0; y < h; y++) rows[y] = buffer + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    free(rows);
    *width = w;
    *height = h;
    *channels = c;
    *depth = d;
    *pixels = buffer;
    return 0;
}

/// Writes 8- or 16-bit samples (16-bit in host byte order), 1 to 4 channels, as a PNG.
static inline int cpng_write(const char *path, unsigned width, unsigned height, int channels, int depth,
                             const void *pixels, char *message, size_t message_size) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16))
        return cpng_fail(message, message_size, "png_set_IHDR", "unsupported channel count or depth");
    FILE *file = fopen(path, "wb");
    if (!file) return cpng_fail(message, message_size, "fopen", strerror(errno));
    cpng_error_state state;
    state.message[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, cpng_on_error, cpng_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return cpng_fail(message, message_size, "png_create_write_struct", "out of memory");
    }
    if (setjmp(state.jump)) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return cpng_fail(message, message_size, "png_write_image", state.message);
    }
    png_init_io(png, file);
    png_set_compression_level(png, 3);  // most of level 9's size at a fraction of its time
    png_set_IHDR(png, info, width, height, depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    int little_endian = 1;
    if (depth == 16 && *(unsigned char *)&little_endian) png_set_swap(png);
    size_t row_bytes = (size_t)width * channels * (depth / 8);
    for (unsigned y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)pixels + y * row_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) return cpng_fail(message, message_size, "fclose", strerror(errno));
    return 0;
}
#endif
