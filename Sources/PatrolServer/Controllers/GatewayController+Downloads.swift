import Fluent
import Foundation
import PatrolGateway
import PatrolStore
import Vapor

/// What the gateway pages and API hand out as files: the records export and the campaign's CA.
extension GatewayController {
    /// Every matching record as JSON lines, streamed in pages of 500 so memory stays flat.
    func export(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        let filter = try req.query.decode(GatewayRecordFilter.self)
        let campaign = records.campaign
        _ = try records.query(filter)  // filter errors before the 200 goes out
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            do {
                var lastID = Int.max
                while true {
                    let rows = try await records.query(filter).filter(\.$id < lastID).sort(\.$id, .descending).limit(500).all()
                    guard let last = rows.last?.id else { break }
                    var chunk = ByteBuffer()
                    for r in rows {
                        chunk.writeBytes(try encoder.encode(GatewayRecordDTO(r, campaign: campaign.code, teams: records.teams, detail: true)))
                        chunk.writeString("\n")
                    }
                    try await writer.write(.buffer(chunk))
                    lastID = last
                    if rows.count < 500 { break }
                }
                try await writer.write(.end)
            } catch {
                try await writer.write(.error(error))
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-ndjson", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "gateway-\(campaign.code).jsonl")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    func caCertificate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        // The running gateway's copy when there is one (already loaded), else from the data directory.
        let ca = try req.application.gateway?.authority(campaign: campaign.code)
            ?? CampaignCA.loadOrCreate(dataDirectory: URL(fileURLWithPath: req.application.patrolOptions.dataDirectory),
                                       campaign: campaign.code)
        let response = Response(status: .ok, body: .init(string: ca.certificatePEM))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-pem-file")
        response.headers.contentDisposition = .init(.attachment, filename: GatewayLinks.caFileName(campaign: campaign.code))
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
