import PatrolCore
import PatrolSheet

/// The assets list (互联网资产台账) as offices collect it from the units: the unit by code or by
/// name, the kind in Chinese or as Patrol writes it, the target, ports and a note.
enum AssetSheet {
    enum Column: Hashable, Sendable, CaseIterable {
        case unitCode, unitName, kind, target, ports, note
    }

    static let fields: [HeaderField<Column>] = [
        .init(.unitCode, aliases: ["单位编码", "单位代码", "unit"], required: false),
        .init(.unitName, aliases: ["单位名称", "单位", "被检测单位"], required: false),
        .init(.kind, aliases: ["资产类型", "类型", "kind"], required: false),
        .init(.target, aliases: ["资产目标", "目标", "资产地址", "网址", "域名", "IP地址", "地址", "target"]),
        .init(.ports, aliases: ["端口", "开放端口", "ports"], required: false),
        .init(.note, aliases: ["备注", "说明", "note"], required: false),
    ]

    static let templateHeader = ["单位编码", "单位名称", "资产类型", "资产目标", "端口", "备注"]

    typealias Row = SheetRecord<Column>

    static func read(_ table: SheetTable) throws(SheetError) -> (header: HeaderMatch<Column>, rows: [Row]) {
        let filled = table.fillingMergedCells()
        let header = try HeaderLocator(fields: fields).locate(in: filled)
        // A row without a target or a unit is a remark under the table (or blank but formatted), not an asset.
        let rows = filled.rows(below: header.rowNumber).map(header.record)
            .filter { $0.values[.target] != nil || $0.values[.unitCode] != nil || $0.values[.unitName] != nil }
        return (header, rows)
    }

    /// A kind as written (`网站`, `IP 地址`, `website`…); empty means: judge it from the target.
    static func kind(_ text: String, target: String) -> AssetKind? {
        let compact = text.lowercased().filter { !$0.isWhitespace }
        switch compact {
        case "": return inferred(target)
        case "网站", "网址", "web", "website", "url": return .website
        case "域名", "domain": return .domain
        case "ip", "ip地址", "地址": return .ip
        case "网段", "ip段", "地址段", "cidr": return .cidr
        case "云资源", "云", "cloud": return .cloud
        case "移动应用", "小程序", "app", "移动应用/小程序", "公众号": return .app
        case "其他", "其它", "other": return .other
        default: return AssetKind(rawValue: compact)
        }
    }

    /// What a target without a kind is: a URL is a website, an address or block an IP or network, else a domain.
    static func inferred(_ target: String) -> AssetKind {
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return .website }
        if AssetTarget.check(kind: .cidr, target: target, ports: nil) == nil { return .cidr }
        if AssetTarget.check(kind: .ip, target: target, ports: nil) == nil { return .ip }
        return .domain
    }
}
