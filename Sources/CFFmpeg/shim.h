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
#include <libavutil/video_enc_params.h>

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

/// Asks a decoder to attach its per-block quantisers to every frame (AVVideoEncParams side data;
/// FFmpeg's H.264, MPEG-2 and VP9 decoders fill it). Call before avcodec_open2.
static inline void ff_export_quantisers(AVCodecContext *c) { c->export_side_data |= AV_CODEC_EXPORT_DATA_VIDEO_ENC_PARAMS; }

/// A decoded frame's quantiser averaged over its area (each block's base plus delta QP, weighted
/// by the block's pixels; the frame's base QP when it lists no blocks); -1 when the frame carries
/// no encoding parameters. av_video_enc_params_block is inline pointer arithmetic, kept in C.
static inline double ff_frame_mean_quantiser(const AVFrame *f) {
    const AVFrameSideData *sd = av_frame_get_side_data(f, AV_FRAME_DATA_VIDEO_ENC_PARAMS);
    if (!sd) return -1.0;
    AVVideoEncParams *p = (AVVideoEncParams *)sd->data;
    if (p->nb_blocks == 0) return (double)p->qp;
    double sum = 0.0, area = 0.0;
    for (unsigned int i = 0; i < p->nb_blocks; i++) {
        const AVVideoBlockParams *b = av_video_enc_params_block(p, i);
        double a = (double)b->w * (double)b->h;
        sum += a * (double)(p->qp + b->delta_qp);
        area += a;
    }
    return area > 0.0 ? sum / area : (double)p->qp;
}

/// The picture type of a decoded frame as one letter (I, P, B, S, …; '?' when unknown).
static inline char ff_frame_picture_type(const AVFrame *f) { return av_get_picture_type_char(f->pict_type); }

#endif
