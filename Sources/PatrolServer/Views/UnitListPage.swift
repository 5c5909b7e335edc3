import PatrolCore
import PatrolStore
import Vapor

/// The campaign's units (`units` template), filterable by category, group and text, with each
/// unit's asset count and, for those who may see contacts, its liaison count.
struct UnitListPage: Encodable {
    struct Row: Encodable {
        var code, name, href, category, group, groupName: String
        var assets: Int
        var liaisons: Int?
    }
    typealias Option = SelectOption
    var rows: [Row]
    var categories: [Option]
    var groups: [Option]
    var q: String
    var showLiaisons: Bool
    var total: Int
}

extension UnitListPage {
    /// The page over `units`; `liaisonCounts` nil when the reader may see no unit's contacts.
    init(_ req: Request, campaign: Campaign, units: [PatrolStore.Unit], categories: [String], assetCounts: [UUID: Int],
         liaisonCounts: [UUID: Int]?, filter: UnitController.Filter) {
        let rows = units.map { u in
            Row(code: u.code, name: u.name, href: campaign.url(.unit(.value(u.code), .page)).path, category: u.category, group: u.group.rawValue,
                groupName: req.t("unit.group.\(u.group.rawValue)"), assets: assetCounts[u.id!] ?? 0,
                liaisons: liaisonCounts.map { $0[u.id!] ?? 0 })
        }
        self.init(
            rows: rows,
            categories: categories.map { Option(value: $0, label: $0, selected: $0 == filter.category) },
            groups: UnitGroup.allCases.map {
                Option(value: $0.rawValue, label: req.t("unit.group.\($0.rawValue)"), selected: $0.rawValue == filter.group)
            },
            q: filter.q ?? "", showLiaisons: liaisonCounts != nil, total: rows.count)
    }
}
