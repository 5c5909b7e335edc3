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
        /// The unit's asset declaration (`DeclarationStatus`) and its name.
        var declaration, declarationName: String
    }
    typealias Option = SelectOption
    var rows: [Row]
    var categories: [Option]
    var groups: [Option]
    var q: String
    var sorts: [Option]
    var pager: Pager
    var showLiaisons: Bool
    var declarations: [Option]
    /// How many units are in each declaration status, for the organiser's follow-up.
    var declarationCounts: [Option]
    /// The import page and the new-unit form, for admins.
    var importHref: String?
    var newHref: String?
    /// The SMS reminder to units still to declare (admins, before testing starts), how many it
    /// would reach, and how many messages the last press wrote.
    var remindAction: String?
    var toRemind: Int
    var reminded: String?
    /// Whether declarations under review are the reader's concern (not testers', who see the scope).
    var showDeclaration: Bool
}

extension UnitListPage {
    /// The page over `units` (one page of the list); `statuses` are the units' declaration states
    /// (a unit missing has declared nothing), `byStatus` how many units the filters keep in each;
    /// `liaisonCounts` nil when the reader may see no unit's contacts.
    init(_ req: Request, campaign: Campaign, units: [PatrolStore.Unit], statuses: [UUID: DeclarationStatus],
         byStatus: [DeclarationStatus: Int], categories: [String], reviewCounts: [UUID: [AssetReview: Int]],
         liaisonCounts: [UUID: Int]?, filter: UnitController.Filter, order: UnitController.Order, pager: Pager, actor: Actor) {
        let canManage = AccessPolicy.decide(actor, .manageUnits) == .allow
        let visibleReviews = AccessPolicy.visibleAssetReviews(for: actor)
        let wanted = filter.declaration?.nonEmpty.flatMap(DeclarationStatus.init(rawValue:))
        let rows = units.map { u in
            let s = statuses[u.id!] ?? .none
            return Row(code: u.code, name: u.name, href: campaign.url(.unit(.value(u.code), .page)).path, category: u.category,
                       group: u.group.rawValue, groupName: req.t("unit.group.\(u.group.rawValue)"),
                       assets: Asset.visibleCount(reviewCounts[u.id!] ?? [:], visibleReviews),
                       liaisons: liaisonCounts.map { $0[u.id!] ?? 0 }, declaration: s.rawValue,
                       declarationName: req.t("unit.declaration.\(s.rawValue)"))
        }
        let counts = DeclarationStatus.allCases.map { s in
            Option(value: s.rawValue, label: "\(req.t("unit.declaration.\(s.rawValue)")) \(byStatus[s] ?? 0)", selected: s == wanted)
        }
        self.init(
            rows: rows,
            categories: categories.map { Option(value: $0, label: $0, selected: $0 == filter.category) },
            groups: UnitGroup.allCases.map {
                Option(value: $0.rawValue, label: req.t("unit.group.\($0.rawValue)"), selected: $0.rawValue == filter.group)
            },
            q: filter.q ?? "",
            sorts: UnitController.Order.allCases.map {
                Option(value: $0.rawValue, label: req.t("units.sort.\($0.rawValue)"), selected: $0 == order)
            },
            pager: pager, showLiaisons: liaisonCounts != nil,
            declarations: DeclarationStatus.allCases.map {
                Option(value: $0.rawValue, label: req.t("unit.declaration.\($0.rawValue)"), selected: $0 == wanted)
            },
            declarationCounts: counts, importHref: canManage ? campaign.url(.importList).path : nil,
            newHref: canManage ? campaign.url(.newUnit).path : nil,
            remindAction: canManage && campaign.state.allowsAssetDeclaration ? campaign.url(.remindDeclarations).path : nil,
            toRemind: (byStatus[.none] ?? 0) + (byStatus[.rejected] ?? 0),
            reminded: filter.reminded.map { req.t("unit.reminded", ["n": $0]) },
            showDeclaration: visibleReviews.count > 1)
    }
}
