internal import CFFmpeg

/// How much FFmpeg itself prints to stderr. nicer's own errors carry the FFmpeg message, so the
/// command-line tool keeps FFmpeg quiet unless asked.
public enum FFmpegLog {
    public static func setVerbose(_ verbose: Bool) {
        av_log_set_level(verbose ? AV_LOG_INFO : AV_LOG_QUIET)
    }
}
