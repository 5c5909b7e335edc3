import Fluent
import PatrolCore
import PatrolStore
import Vapor

extension Request {
    /// The campaign named by the `:campaign` path parameter, or 404.
    func campaign() async throws -> Campaign {
        guard let code = parameters.get("campaign"),
              let campaign = try await Campaign.query(on: db).filter(\.$code == code).first() else {
            throw PatrolError.notFound
        }
        return campaign
    }

    /// A participating unit of the campaign named by `:unit`, if the policy lets the actor see it.
    func unit(in campaign: Campaign) async throws -> PatrolStore.Unit {
        guard let code = parameters.get("unit"),
              let unit = try await PatrolStore.Unit.query(on: db).filter(\.$code == code).first(),
              try await CampaignUnit.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).first() != nil else {
            throw PatrolError.notFound
        }
        try authorize(.viewUnit(unitID: try unit.requireID()))
        return unit
    }

    /// Times as people read them, in the campaign's zone.
    func timeText(_ date: Date?, in campaign: Campaign) -> String { campaign.timeText(date) }
}
