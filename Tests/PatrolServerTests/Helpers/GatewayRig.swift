import Fluent
import Foundation
import NIOCore
import PatrolCore
import PatrolGateway
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The gateway live on loopback over the demo campaign, as the gateway tests drive it.
struct GatewayRig {
    var app: Application
    var gateway: Gateway
    var port: Int
    var http: TestUpstream
    var https: TestUpstream
    var token: String
    var token2: String
    var campaign: Campaign
    var data: URL

    func flush() async throws { try await gateway.batcher.flush(on: app.db) }

    func records() async throws -> [GatewayRecord] {
        try await flush()
        return try await GatewayRecord.query(on: app.db).sort(\.$id).all()
    }
}

extension XCTestCase {
    /// The demo campaign, running now; D01 gets an asset naming 127.0.0.1 on the two upstream ports
    /// and a domain resolved by a fixed table (a rebinding attempt among its names).
    func withGatewayRig(_ body: (GatewayRig) async throws -> Void) async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let campaign = try await Campaign.find(code: "CZ2022", on: app.db)!
            campaign.state = .running
            campaign.startsAt = Date().addingTimeInterval(-86_400)
            campaign.endsAt = Date().addingTimeInterval(86_400)
            try await campaign.save(on: app.db)
            let http = try await TestUpstream.start(tls: nil)
            let data = URL(fileURLWithPath: app.patrolOptions.dataDirectory)
            let upstreamCA = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "UPSTREAM")
            let https = try await TestUpstream.start(tls: try upstreamCA.serverContext(for: "localhost"))
            let d01 = try await Unit.query(on: app.db).filter(\.$code == "D01").first()!
            try await Asset(campaignID: campaign.requireID(), unitID: d01.requireID(), code: "D01-LOOP", kind: .ip,
                            target: "127.0.0.1", ports: "\(http.port),\(https.port)", origin: .declared).create(on: app.db)
            try await Asset(campaignID: campaign.requireID(), unitID: d01.requireID(), code: "D01-NAMES", kind: .domain,
                            target: "*.gw.test", origin: .declared).create(on: app.db)
            try await app.makeUser("gw-tester", .tester, team: "T01")
            try await app.makeUser("gw-tester2", .tester, team: "T02")
            try await app.makeUser("gw-reviewer", .reviewer)
            let token = try await GatewayToken.rotate(username: "gw-tester", on: app.db)
            let token2 = try await GatewayToken.rotate(username: "gw-tester2", on: app.db)
            let resolver = StaticResolver([
                "www.gw.test": [try XCTUnwrap(IPAddress("127.0.0.1"))],
                // Named by a wildcard asset, but resolving to a loopback address no asset names.
                "rebind.gw.test": [try XCTUnwrap(IPAddress("127.0.0.2"))],
            ])
            let gateway = Gateway(database: { app.db }, dataDirectory: data, environment: [:], resolver: resolver,
                                  logger: app.logger, refreshInterval: .seconds(3600), flushInterval: .seconds(3600))
            let port = try await gateway.start(host: "127.0.0.1", port: 0)
            app.gateway = gateway
            let rig = GatewayRig(app: app, gateway: gateway, port: port, http: http, https: https, token: token, token2: token2,
                          campaign: campaign, data: data)
            do {
                try await body(rig)
            } catch {
                await gateway.stop()
                try? await http.stop()
                try? await https.stop()
                throw error
            }
            await gateway.stop()
            try await http.stop()
            try await https.stop()
        }
    }


    struct CurlResult {
        var status: Int
        var body: String
        var exit: Int32
    }

    func curl(_ args: [String]) throws -> CurlResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-S", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "--noproxy", ""] + args
        process.environment = [:]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lastNewline = text.lastIndex(of: "\n") ?? text.startIndex
        return CurlResult(status: Int(text[text.index(after: lastNewline)...]) ?? 0,
                          body: String(text[..<lastNewline]), exit: process.terminationStatus)
    }

    func viaProxy(_ rig: GatewayRig, user: String = "gw-tester", token: String? = nil, _ args: [String]) throws -> CurlResult {
        try curl(["-x", "http://127.0.0.1:\(rig.port)", "--proxy-user", "\(user):\(token ?? rig.token)"] + args)
    }

}
