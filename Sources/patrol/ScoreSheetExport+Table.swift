import Foundation
import PatrolCore
import PatrolServer

extension ScoreSheetExport {
    /// A table aligned for a terminal: Chinese characters count two columns; numbers right-aligned.
    static func table(_ sheet: ScoreSheetDocument, chinese: Bool = true) -> String {
        let head = header(chinese: chinese)
        let rows = sheet.units.map { cells($0, chinese: chinese) }
        let textColumns: Set<Int> = [2, 3, 4]
        var widths = head.map(TerminalWidth.of)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], TerminalWidth.of(c)) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                TerminalWidth.pad(c, to: widths[i], leading: !textColumns.contains(i))
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(head), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
