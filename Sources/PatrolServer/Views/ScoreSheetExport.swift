import CSV
import Foundation
import PatrolCore

/// The score sheet's columns and its CSV (UTF-8 with a byte-order mark so Excel reads the Chinese),
/// from the JSON form `ScoreSheetDocument`, so a frozen sheet exports as published. The web's
/// download and `patrol score --format csv` both write it here; the terminal table
/// (`patrol score --format table`) lays out the same columns.
public enum ScoreSheetExport {
    static let groupNames: [UnitGroup: (zh: String, en: String)] = [
        .district: ("辖市区", "District"), .regulator: ("行业主管监管部门", "Regulator"),
        .department: ("非行业主管监管部门", "Department"),
    ]

    public static func groupName(_ g: UnitGroup, chinese: Bool = true) -> String {
        chinese ? groupNames[g]!.zh : groupNames[g]!.en
    }

    public static func header(chinese: Bool) -> [String] {
        chinese
            ? ["排名", "组内排名", "单位编码", "单位名称", "分组", "资产数", "漏洞分值", "资产核查", "漏洞情况", "防护情况", "数据安全", "整改扣分", "总分", "待定项"]
            : ["Rank", "Group rank", "Unit", "Name", "Group", "Assets", "Points", "Asset", "Vulnerability", "Protection", "Data", "Remediation", "Total", "Pending"]
    }

    public static func cells(_ s: ScoreSheetDocument.Row, chinese: Bool) -> [String] {
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
}
