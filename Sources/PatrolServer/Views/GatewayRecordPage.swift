import PatrolCore
import PatrolStore
import Vapor

/// One gateway record (`gateway-record` template): the exchange, beside its original when it is a
/// replay; its replays; the replay button and the form attaching it to a finding.
struct GatewayRecordPage: Encodable {
    var links: GatewayLinks
    var replayAction, attachAction: String
    var replayOfHref: String?
    var record: GatewayRecordDTO
    var row: GatewayRecordListRow
    var exchange: GatewayExchange
    /// The original of a replay, shown beside it.
    var original: GatewayExchange?
    /// Replays of this record.
    var rows: [GatewayRecordListRow]
    var canReplay: Bool
    var findings: [SelectOption]
    var error: String?
}

extension GatewayRecordPage {
    /// The page of `r`, one of `records` (which the actor may read).
    init(_ req: Request, record r: GatewayRecord, records: GatewayRecords, error: String?) async throws {
        let (campaign, teams, actor) = (records.campaign, records.teams, records.actor)
        let zone = campaign.zone
        let dto = GatewayRecordDTO(r, campaign: campaign.code, teams: teams, detail: true)
        let original = try await records.original(of: r).map {
            GatewayExchange(GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: true), req, zone: zone)
        }
        let replays = try await records.replays(of: r, limit: 20)
        let findings = try await records.attachableFindings()
            .map { SelectOption(value: $0.code, label: "\($0.code) \($0.title.prefix(40))", selected: false) }
        let canReplay = AccessPolicy.decide(actor, .replayGatewayRecords) == .allow && ["http", "https", "replay"].contains(r.kind)
            && r.method != "CONNECT" && r.decision == "allowed"
        self.init(links: GatewayLinks(campaign), replayAction: GatewayLinks.record(campaign.code, dto.id, .replay),
                  attachAction: GatewayLinks.record(campaign.code, dto.id, .attach),
                  replayOfHref: dto.replayOf.map { GatewayLinks.record(campaign.code, $0) }, record: dto,
                  row: GatewayRecordListRow(dto, req, zone: zone), exchange: GatewayExchange(dto, req, zone: zone), original: original,
                  rows: replays.map { GatewayRecordListRow(GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: false), req, zone: zone) },
                  canReplay: canReplay, findings: findings, error: error)
    }
}
