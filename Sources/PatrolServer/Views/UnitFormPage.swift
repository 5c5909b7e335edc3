import PatrolCore
import PatrolStore
import Vapor

/// The new-unit and edit-unit form (`unit-form` template): the unit's fields and its liaisons, one
/// row each plus two spare rows, as typed after an error or as stored.
struct UnitFormPage: Encodable {
    struct LiaisonRow: Encodable { var index: Int; var name, phone, officePhone, email: String }
    var editing: Bool
    var action, cancelHref: String
    var error: String?
    var code, name, category, parent, note: String
    var groups: [SelectOption]
    var categories: [String]
    var liaisons: [LiaisonRow]
}

extension UnitFormPage {
    /// The categories of the 2022 list, offered as suggestions (any other may be typed).
    static let knownCategories = ["辖市区", "市级党政机关及其管理单位", "市群团组织", "市主要新闻单位", "市属国有企业"]

    init(_ req: Request, campaign: Campaign, unit: PatrolStore.Unit?, liaisons: [Liaison], parentCode: String?,
         draft: UnitDraft?, error: PatrolError?) {
        var rows = draft?.liaisons?.map { ($0.name ?? "", $0.phone ?? "", $0.officePhone ?? "", $0.email ?? "") }
            ?? liaisons.map { ($0.name, $0.phone, $0.officePhone ?? "", $0.email ?? "") }
        rows += Array(repeating: ("", "", "", ""), count: 2)
        let group = draft?.group ?? unit?.group.rawValue ?? UnitGroup.department.rawValue
        self.init(
            editing: unit != nil,
            action: unit.map { campaign.url(.unit(.value($0.code), .edit)).path } ?? campaign.url(.units).path,
            cancelHref: unit.map { campaign.url(.unit(.value($0.code), .page)).path } ?? campaign.url(.units).path,
            error: error.map { req.t($0) },
            code: draft?.code ?? unit?.code ?? "", name: draft?.name ?? unit?.name ?? "", category: draft?.category ?? unit?.category ?? "",
            parent: draft?.parent ?? parentCode ?? "", note: draft?.note ?? unit?.note ?? "",
            groups: UnitGroup.allCases.map { SelectOption(value: $0.rawValue, label: req.t("unit.group.\($0.rawValue)"), selected: $0.rawValue == group) },
            categories: Self.knownCategories,
            liaisons: rows.enumerated().map { LiaisonRow(index: $0.offset, name: $0.element.0, phone: $0.element.1,
                                                         officePhone: $0.element.2, email: $0.element.3) })
    }
}
