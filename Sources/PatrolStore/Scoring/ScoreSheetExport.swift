import CSV
import Foundation
import PatrolCore

/// The score sheet as CSV (UTF-8 with a byte-order mark so Excel reads the Chinese) and as an aligned
/// terminal table, both from the JSON form `ScoreSheetDocument`, so a frozen sheet exports as published.
public enum ScoreSheetExport {
    static let groupNames: [UnitGroup: (zh: String, en: String)] = [
        .district: ("辖市区", "District"), .regulator: ("行业主管监管部门", "Regulator"),
        .department: ("非行业主管监管部门", "Department"),
    ]

    public static func groupName(_ g: UnitGroup, chinese: Bool = true) -> String {
        chinese ? groupNames[g]!.zh : groupNames[g]!.en
    }

    static func header(chinese: Bool) -> [String] {
        chinese
            ? ["排名", "组内排名", "单位编码", "单位名称", "分组", "资产数", "漏洞分值", "资产核查", "漏洞情况", "防护情况", "数据安全", "整改扣分", "总分", "待定项"]
            : ["Rank", "Group rank", "Unit", "Name", "Group", "Assets", "Points", "Asset", "Vulnerability", "Protection", "Data", "Remediation", "Total", "Pending"]
    }

    static func cells(_ s: ScoreSheetDocument.Row, chinese: Bool) -> [String] {
        let group = UnitGroup(rawValue: s.group).map { groupName($0, chinese: chinese) } ?? s.group
        return [String(s.rank), String(s.groupRank), s.unit, s.name, group, String(s.assets),
                String(s.points), s.asset.description, s.vulnerability.description, s.protection.description,
                s.data.description, s.remediation.description, s.total.description, String(s.pending)]
    }

    /// CSV with a UTF-8 BOM and CRLF line ends, one row per unit in rank order.
    public static func csv(_ sheet: ScoreSheetDocument, chinese: Bool = true) throws -> Data {
        let stream = OutputStream(toMemory: ())
        stream.open()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        _ = stream.write(bom, maxLength: bom.count)
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: header(chinese: chinese))
        for s in sheet.units {
            try writer.write(row: cells(s, chinese: chinese))
        }
        writer.stream.close()
        return stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    /// A table aligned for a terminal: Chinese characters count two columns; numbers right-aligned.
    public static func table(_ sheet: ScoreSheetDocument, chinese: Bool = true) -> String {
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
