// Private to the Media module. Re-exports FFmpeg macros that Swift's importer cannot see
// (function-like macros, NE pixel formats, compound literals) as static inline functions.
#ifndef NICER_CFFMPEG_SHIM_H
#define NICER_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/crc.h>

static inline int ff_averror(int posixErrno) { return AVERROR(posixErrno); }
static inline int ff_averror_eof(void) { return AVERROR_EOF; }
static inline int ff_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int ff_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t ff_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational ff_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline void ff_err2str(int err, char *buf, size_t size) { av_make_error_string(buf, size, err); }

/// Rotation in degrees (counter-clockwise, as av_display_rotation_get reports it) from a stream's
/// display matrix; 0 when the stream has none.
static inline double ff_stream_rotation(const AVStream *st) {
    const uint8_t *matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!matrix) return 0.0;
    double r = av_display_rotation_get((const int32_t *)matrix);
    return r != r ? 0.0 : r;  // NaN for a degenerate matrix
}

/// AVFrame.data / linesize are fixed-size arrays that import as tuples; index them in C.
static inline uint8_t *ff_frame_plane(const AVFrame *f, int i) { return f->data[i]; }
static inline int ff_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }

#endif
