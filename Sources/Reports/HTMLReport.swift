import Foundation

/// A self-contained HTML page (inline CSS and SVG, images as data URIs): opens from disk in any
/// browser, with nothing to fetch.
public struct HTMLReport {
    public struct Thumbnail {
        public var caption: String
        /// PNG file contents.
        public var png: Data
        public init(caption: String, png: Data) {
            self.caption = caption
            self.png = png
        }
    }

    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    public mutating func heading(_ text: String) { body.append("<h2>\(escape(text))</h2>") }
    public mutating func paragraph(_ text: String) { body.append("<p>\(escape(text))</p>") }

    public mutating func table(header: [String], rows: [[String]]) {
        var html = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        body.append(html + "</table>")
    }

    /// Horizontal bars, one per label, scaled to the largest value; `colours[i]` picks bar i's
    /// colour from the palette (to match the series of a line chart), its position otherwise.
    public mutating func barChart(_ bars: [(label: String, value: Double)], colours: [Int]? = nil, unit: String = "") {
        let width = 640.0, rowHeight = 26.0, labelWidth = 170.0
        let top = max(bars.map(\.value).max() ?? 1, 1e-12)
        var svg = svgOpen(width: width, height: rowHeight * Double(bars.count) + 10)
        for (i, bar) in bars.enumerated() {
            let y = 5 + rowHeight * Double(i)
            let length = (width - labelWidth - 90) * bar.value / top
            svg += text(x: labelWidth - 6, y: y + 17, bar.label, anchor: "end")
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%@\"/>",
                          labelWidth, y + 3, max(length, 1), colour(colours?[i] ?? i))
            svg += text(x: labelWidth + length + 6, y: y + 17, String(format: "%.4g", bar.value) + unit, anchor: "start")
        }
        body.append(svg + "</svg>")
    }

    /// One polyline per series over the frame index; gaps where a value is missing.
    public mutating func lineChart(_ series: [(label: String, values: [Double?])], xLabel: String, yLabel: String) {
        let width = 640.0, height = 260.0, left = 60.0, bottom = 30.0, right = 10.0, top = 10.0
        let count = series.map(\.values.count).max() ?? 0
        let peak = max(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1, 1e-12)
        func px(_ i: Int) -> Double { left + (width - left - right) * Double(i) / Double(max(count - 1, 1)) }
        func py(_ v: Double) -> Double { height - bottom - (height - bottom - top) * v / peak }
        var svg = svgOpen(width: width, height: height)
        svg += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", left, height - bottom, width - right, height - bottom)
        svg += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", left, top, left, height - bottom)
        svg += text(x: left - 4, y: top + 10, String(format: "%.3g", peak), anchor: "end")
        svg += text(x: left - 4, y: height - bottom, "0", anchor: "end")
        svg += text(x: (left + width) / 2, y: height - 6, xLabel, anchor: "middle")
        svg += text(x: left + 6, y: top + 10, yLabel, anchor: "start")
        for (k, s) in series.enumerated() {
            var segment: [String] = []
            func flush() {
                if segment.count > 1 {
                    svg += "<polyline fill=\"none\" stroke=\"\(colour(k))\" stroke-width=\"1.5\" points=\"\(segment.joined(separator: " "))\"/>"
                }
                segment = []
            }
            for (i, v) in s.values.enumerated() {
                guard let v else { flush(); continue }
                segment.append(String(format: "%.1f,%.1f", px(i), py(v)))
            }
            flush()
            svg += text(x: width - right - 4, y: top + 14 + 14 * Double(k), s.label, anchor: "end", fill: colour(k))
        }
        body.append(svg + "</svg>")
    }

    public mutating func thumbnails(_ items: [Thumbnail]) {
        var html = "<div class=\"thumbs\">"
        for item in items {
            html += "<figure><img alt=\"\(escape(item.caption))\" src=\"data:image/png;base64,\(item.png.base64EncodedString())\">"
                + "<figcaption>\(escape(item.caption))</figcaption></figure>"
        }
        body.append(html + "</div>")
    }

    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
        svg{font-size:12px;display:block;margin:8px 0}.thumbs{display:flex;flex-wrap:wrap;gap:12px}
        figure{margin:0}figcaption{font-size:12px;color:#555}
        </style></head><body>
        <h1>\(escape(title))</h1>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    private func svgOpen(width: Double, height: Double) -> String {
        String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
               width, height, width, height)
    }

    private func text(x: Double, y: Double, _ content: String, anchor: String, fill: String = "#222") -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%@\" fill=\"%@\">", x, y, anchor, fill) + escape(content) + "</text>"
    }

    private func colour(_ i: Int) -> String {
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"][i % 8]
    }
}

/// Text made safe for HTML element content and attribute values.
public func escape(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}
