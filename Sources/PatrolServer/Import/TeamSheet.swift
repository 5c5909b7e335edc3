import PatrolCore
import PatrolSheet

/// The testing teams' list as the organiser collects it from the firms: one member a row, the
/// team's code, name, firm and contact on the row (repeated, merged down, or left blank below).
enum TeamSheet {
    enum Column: Hashable, Sendable, CaseIterable {
        case code, name, company, contactName, contactPhone, member, memberPhone, username
    }

    static let fields: [HeaderField<Column>] = [
        .init(.code, aliases: ["检测队编码", "队伍编码", "编码", "code"]),
        .init(.name, aliases: ["检测队名称", "检测队", "队伍名称", "team"], required: false),
        .init(.company, aliases: ["所属单位", "所属公司", "单位", "公司", "company"], required: false),
        .init(.contactName, aliases: ["联系人", "队长", "contact"], required: false),
        .init(.contactPhone, aliases: ["联系人电话", "联系电话", "contactPhone"], required: false),
        .init(.member, aliases: ["成员姓名", "检测人员", "姓名", "member"], required: false),
        .init(.memberPhone, aliases: ["成员手机", "手机", "手机号码", "phone"], required: false),
        .init(.username, aliases: ["用户名", "账号", "username"], required: false),
    ]

    static let templateHeader = ["检测队编码", "检测队名称", "所属单位", "联系人", "联系电话", "成员姓名", "成员手机", "用户名"]

    typealias Row = SheetRecord<Column>

    static func read(_ table: SheetTable) throws(SheetError) -> (header: HeaderMatch<Column>, rows: [Row]) {
        let filled = table.fillingMergedCells()
        let header = try HeaderLocator(fields: fields).locate(in: filled)
        var rows: [Row] = []
        var team: [Column: String] = [:]
        for sheetRow in filled.rows(below: header.rowNumber) {
            var values = header.record(sheetRow).values
            // A member row with the team's cells left blank belongs to the team above.
            if values[.code] == nil, values[.member] != nil {
                for column in [Column.code, .name, .company, .contactName, .contactPhone] where values[column] == nil {
                    values[column] = team[column]
                }
            } else if values[.code] != nil {
                team = values.filter { [.code, .name, .company, .contactName, .contactPhone].contains($0.key) }
            }
            if values.isEmpty { continue }
            rows.append(Row(number: sheetRow.number, values: values))
        }
        return (header, rows)
    }
}
