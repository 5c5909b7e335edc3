import PatrolCore
import PatrolStore
import Vapor

/// One asset as a row of a table, with its edit and delete targets (the assets list and a unit's page).
struct AssetRow: Encodable {
    var code, editHref, deleteAction, kind, kindName, target, origin, originName: String
    var ports, note: String?
    /// Marked by an admin as an internal network (its range may open special addresses).
    var internalNetwork: Bool
    /// Whether the mark changes anything here (a range), or is set and can be taken away.
    var internalNetworkMarkable: Bool
    var internalNetworkAction: String
    /// The organiser's review: `pending`, `approved` or `rejected`, its name, and why it was rejected.
    var review, reviewName: String
    var reviewReason: String?
    var reviewAction: String
}

extension AssetRow {
    init(_ a: Asset, _ req: Request, campaign: Campaign) {
        self.init(code: a.code, editHref: campaign.url(.asset(.value(a.code), .edit)).path,
                  deleteAction: campaign.url(.asset(.value(a.code), .delete)).path, kind: a.kind.rawValue, kindName: req.t("asset.kind.\(a.kind.rawValue)"), target: a.target,
                  origin: a.origin.rawValue, originName: req.t("asset.origin.\(a.origin.rawValue)"), ports: a.ports, note: a.note,
                  internalNetwork: a.internalNetwork,
                  internalNetworkMarkable: a.internalNetwork
                      || ScopeAsset(code: a.code, unit: "", kind: a.kind, target: a.target, ports: a.ports).isRange,
                  internalNetworkAction: campaign.url(.asset(.value(a.code), .internalNetwork)).path,
                  review: a.review.rawValue, reviewName: req.t("asset.review.\(a.review.rawValue)"), reviewReason: a.reviewReason,
                  reviewAction: campaign.url(.asset(.value(a.code), .review)).path)
    }
}
