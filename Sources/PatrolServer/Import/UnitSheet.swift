import PatrolCore
import PatrolSheet

/// The units list as offices keep it (附件1: 序号, 单位名称, 类别, 行业主管监管部门, 网络安全联络员,
/// 联络员手机, with a title row above), and as Patrol's own template and CSV write it (with codes).
/// Reads a sheet into rows, each a unit or a further liaison of the unit above.
enum UnitSheet {
    enum Column: Hashable, Sendable, CaseIterable {
        case code, seq, name, category, group, regulator, parent, liaison, phone, note
    }

    static let fields: [HeaderField<Column>] = [
        .init(.code, aliases: ["单位编码", "编码", "单位代码", "code"], required: false),
        .init(.seq, aliases: ["序号", "编号", "No."], required: false),
        .init(.name, aliases: ["单位名称", "被检测单位", "单位", "name"]),
        .init(.category, aliases: ["类别", "单位类别", "category"], required: false),
        .init(.group, aliases: ["排名分组", "分组", "group"], required: false),
        .init(.regulator, aliases: ["行业主管监管部门", "是否行业主管监管部门", "regulator"], required: false),
        .init(.parent, aliases: ["上级单位", "主管单位", "parent"], required: false),
        .init(.liaison, aliases: ["网络安全联络员", "联络员", "联络员姓名", "联系人", "liaison"], required: false),
        .init(.phone, aliases: ["联络员手机", "手机", "手机号码", "联系电话", "phone"], required: false),
        .init(.note, aliases: ["备注", "note"], required: false),
    ]

    /// The template's header, in the order Patrol writes it.
    static let templateHeader = ["单位编码", "单位名称", "类别", "排名分组", "上级单位", "网络安全联络员", "联络员手机", "备注"]

    /// One data row, its values trimmed; `number` is the row as the spreadsheet shows it.
    typealias Row = SheetRecord<Column>

    /// The header found, the data rows, and rows left out on purpose (a footnote such as
    /// "备注：1.行业主管监管部门共6个部门…" under the table) with their text.
    struct Reading: Sendable {
        var header: HeaderMatch<Column>
        var rows: [Row]
        var footnotes: [(row: Int, text: String)]
    }

    static func read(_ table: SheetTable) throws(SheetError) -> Reading {
        let filled = table.fillingMergedCells()
        let header = try HeaderLocator(fields: fields).locate(in: filled)
        var rows: [Row] = [], footnotes: [(Int, String)] = []
        for sheetRow in filled.rows(below: header.rowNumber) {
            let record = header.record(sheetRow)
            let values = record.values
            let texts = sheetRow.values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            // A lone text that names no unit and no liaison is the sheet's own remark, not a unit.
            if values[.name] == nil, values[.liaison] == nil, values[.phone] == nil, values[.code] == nil, texts.count == 1 {
                footnotes.append((sheetRow.number, texts[0]))
                continue
            }
            rows.append(record)
        }
        return Reading(header: header, rows: rows, footnotes: footnotes)
    }

    /// A group as written (`district`, `辖市区`, `行业主管监管部门`…), nil if it is none of them.
    static func group(_ text: String) -> UnitGroup? {
        switch text.lowercased() {
        case "district", "辖市区": .district
        case "regulator", "行业主管监管部门": .regulator
        case "department", "非行业主管监管部门", "其他": .department
        default: nil
        }
    }

    /// Whether a 行业主管监管部门 cell marks the unit as one (offices tick it, or write 是).
    static func marksRegulator(_ text: String) -> Bool {
        ["是", "√", "✓", "✔", "y", "yes", "1", "true", "regulator"].contains(text.lowercased())
    }

    /// The letter a new unit's code starts with, by category, as the 2022 list was coded (D01 溧阳市,
    /// G01 市委办, M01 …, N01 …, E01 …); other categories take U.
    static func codePrefix(category: String, group: UnitGroup) -> String {
        switch category {
        case "辖市区": "D"
        case "市级党政机关及其管理单位": "G"
        case "市群团组织": "M"
        case "市主要新闻单位": "N"
        case "市属国有企业": "E"
        default: group == .district ? "D" : "U"
        }
    }
}
