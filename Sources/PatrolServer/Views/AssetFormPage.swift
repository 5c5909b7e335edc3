import PatrolCore
import PatrolStore
import Vapor

/// The declare and edit form of an asset (`asset-form` template), with what was typed and, after a
/// refusal, why.
struct AssetFormPage: Encodable {
    typealias Option = SelectOption
    var unitCode, unitName: String
    var action, cancelHref: String
    var editing: Bool
    var code: String?
    var kinds: [Option]
    var origins: [Option]
    var target, ports, note: String
    var error: String?
}

extension AssetFormPage {
    /// The form for a new asset of `unit` (`asset` nil) or for correcting `asset`; `draft` is what was typed.
    init(_ req: Request, campaign: Campaign, unit: PatrolStore.Unit, asset: Asset?, draft: AssetDraft?, error: String?) {
        let kind = draft?.kind ?? asset?.kind.rawValue ?? AssetKind.website.rawValue
        let origin = draft?.origin ?? asset?.origin.rawValue ?? AssetOrigin.declared.rawValue
        let admin = req.actor.map { AccessPolicy.decide($0, .recordDiscoveredAsset) == .allow } ?? false
        self.init(
            unitCode: unit.code, unitName: unit.name,
            action: campaign.url(asset.map { .asset(.value($0.code), .page) } ?? .unit(.value(unit.code), .assets)).path,
            cancelHref: campaign.url(.unit(.value(unit.code), .page)).path,
            editing: asset != nil, code: asset?.code,
            kinds: AssetKind.allCases.map { .init(value: $0.rawValue, label: req.t("asset.kind.\($0.rawValue)"), selected: $0.rawValue == kind) },
            // Only the organiser records assets found during testing.
            origins: (admin ? AssetOrigin.allCases : [.declared]).map {
                .init(value: $0.rawValue, label: req.t("asset.origin.\($0.rawValue)"), selected: $0.rawValue == origin)
            },
            target: draft?.target ?? asset?.target ?? "", ports: draft?.ports ?? asset?.ports ?? "",
            note: draft?.note ?? asset?.note ?? "", error: error)
    }
}
