import PatrolStore
import Vapor

/// One asset as a row of a table, with its edit and delete targets (the assets list and a unit's page).
struct AssetRow: Encodable {
    var code, editHref, deleteAction, kind, kindName, target, origin, originName: String
    var ports, note: String?
    /// Marked by an admin as an internal network (its range may open special addresses).
    var internalNetwork: Bool
    var internalNetworkAction: String
}

extension AssetRow {
    init(_ a: Asset, _ req: Request, campaign: Campaign) {
        self.init(code: a.code, editHref: campaign.url(.asset(.value(a.code), .edit)).path,
                  deleteAction: campaign.url(.asset(.value(a.code), .delete)).path, kind: a.kind.rawValue, kindName: req.t("asset.kind.\(a.kind.rawValue)"), target: a.target,
                  origin: a.origin.rawValue, originName: req.t("asset.origin.\(a.origin.rawValue)"), ports: a.ports, note: a.note,
                  internalNetwork: a.internalNetwork, internalNetworkAction: campaign.url(.asset(.value(a.code), .internalNetwork)).path)
    }
}
