import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PatrolCore
import PatrolStore
import XCTest
@testable import PatrolGateway

/// The gateway's handlers and parsers without a network or a database: EmbeddedChannel drives the
/// protocol sniffer, the HTTP proxy handler and the SOCKS5 handshake.
final class ProxyHandlerTests: XCTestCase {
    let campaignID = UUID(), teamID = UUID(), userID = UUID()

    func makeGateway() -> Gateway {
        let gateway = Gateway(database: { fatalError("these tests use no database") },
                              dataDirectory: FileManager.default.temporaryDirectory, environment: [:],
                              resolver: StaticResolver([:]))
        let directory = GatewayDirectory(
            campaigns: [.init(id: campaignID, code: "C1", state: .running, startsAt: Date().addingTimeInterval(-60),
                              endsAt: Date().addingTimeInterval(3600), interceptAll: false,
                              assets: [ScopeAsset(code: "A1", unit: "U1", kind: .ip, target: "192.0.2.10", ports: "80")],
                              assetsFingerprint: "1")],
            teams: [.init(campaignID: campaignID, teamID: teamID, teamCode: "T1", state: .active, interception: false)],
            testers: ["alice": .init(userID: userID, username: "alice", teamID: teamID, tokenHash: GatewayToken.hash("pgt_good"))],
            settings: [:])
        gateway.install(GatewayView(directory: directory, settings: GatewaySettings(), previous: nil))
        return gateway
    }

    func channel(_ gateway: Gateway) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(gateway: gateway))
        try channel.connect(to: SocketAddress(ipAddress: "198.51.100.7", port: 40000)).wait()
        return channel
    }

    func outbound(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    func testNoCredentialsGets407WithChallengeAndIsRecorded() throws {
        let gateway = makeGateway()
        let channel = try channel(gateway)
        try channel.writeInbound(ByteBuffer(string: "GET http://192.0.2.10/ HTTP/1.1\r\nHost: 192.0.2.10\r\n\r\n"))
        let reply = try outbound(channel)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 407"), reply)
        XCTAssertTrue(reply.contains("Proxy-Authenticate: Basic realm=\"Patrol\""), reply)
        XCTAssertTrue(reply.contains("X-Patrol-Refusal: auth_required"), reply)
        XCTAssertEqual(gateway.batcher.pendingCount, 1)
        XCTAssertTrue(channel.isActive, "the client may retry with credentials on the same connection")
    }

    /// A request that names no tester is filed under the campaign open at the time when exactly one
    /// is (the live credentials test checks the records); with a second one open, or none, under none.
    func testRequestsWithoutATesterGoToTheSoleOpenCampaign() throws {
        let view = try XCTUnwrap(makeGateway().view)
        XCTAssertEqual(view.soleOpenCampaign(at: Date()), campaignID)
        XCTAssertNil(view.soleOpenCampaign(at: Date().addingTimeInterval(7200)), "after the window nothing is open")

        var directory = GatewayDirectory(campaigns: view.campaigns.values.map(\.entry), teams: [], testers: [:], settings: [:])
        var second = directory.campaigns[0]
        second.id = UUID()
        second.code = "C2"
        directory.campaigns.append(second)
        XCTAssertNil(GatewayView(directory: directory, settings: GatewaySettings(), previous: nil).soleOpenCampaign(at: Date()),
                     "two open: no telling which one")

        var anonymous = GatewayRecordRow(client: "198.51.100.7", kind: "http", url: "http://192.0.2.10/", host: "192.0.2.10",
                                         port: 80, startedAt: Date(), decision: "denied")
        XCTAssertEqual(view.fallbackCampaign(for: anonymous), campaignID)
        anonymous.teamID = UUID()
        XCTAssertNil(view.fallbackCampaign(for: anonymous),
                     "a team in no campaign is not filed under another campaign, whose records would show a stranger")
    }

    /// A SOCKS5 request refused by the scope is filed under the open campaign it was decided in, not
    /// under the team's first campaign by code when that one's window is closed (as on the HTTP side).
    func testSOCKS5ScopeRefusalIsFiledUnderTheOpenCampaign() throws {
        let gateway = makeGateway()
        let open = try XCTUnwrap(gateway.view?.campaigns[campaignID]?.entry)
        var notYet = open
        notYet.id = UUID()
        notYet.code = "C0"
        notYet.startsAt = Date().addingTimeInterval(86400)
        notYet.endsAt = Date().addingTimeInterval(2 * 86400)
        let directory = GatewayDirectory(
            campaigns: [open, notYet],
            teams: [open, notYet].map { .init(campaignID: $0.id, teamID: teamID, teamCode: "T1", state: .active, interception: false) },
            testers: ["alice": .init(userID: userID, username: "alice", teamID: teamID, tokenHash: GatewayToken.hash("pgt_good"))],
            settings: [:])
        gateway.install(GatewayView(directory: directory, settings: GatewaySettings(), previous: nil))
        XCTAssertEqual(gateway.view?.campaignsOfTeam[teamID]?.first, notYet.id, "C0 comes first by code")

        let channel = try channel(gateway)
        try channel.writeInbound(ByteBuffer(bytes: [0x05, 0x01, 0x02]))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { Array($0.readableBytesView) }, [0x05, 0x02])
        let name = Array("alice".utf8), password = Array("pgt_good".utf8)
        try channel.writeInbound(ByteBuffer(bytes: [0x01, UInt8(name.count)] + name + [UInt8(password.count)] + password))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { Array($0.readableBytesView) }, [0x01, 0x00])
        // CONNECT 203.0.113.1:80, in no asset.
        try channel.writeInbound(ByteBuffer(bytes: [0x05, 0x01, 0x00, 0x01, 203, 0, 113, 1, 0, 80]))
        let reply = try XCTUnwrap(channel.readOutbound(as: ByteBuffer.self)).readableBytesView
        XCTAssertEqual(Array(reply.prefix(2)), [0x05, 0x02], "connection not allowed by ruleset")
        let rows = gateway.batcher.pendingRows
        XCTAssertEqual(rows.map(\.reason), ["not_in_scope"])
        XCTAssertEqual(rows.first?.campaignID, campaignID)
    }

    /// A refused attempt is filed under the team's running campaign; with none running, under the
    /// team's campaign whose window is nearest, so the organiser sees attempts before the start or
    /// after the close; a team in no campaign files under none.
    func testRefusalsAreFiledUnderTheTeamsNearestCampaign() throws {
        let now = Date()
        let day: TimeInterval = 86400
        let closed = UUID(), draft = UUID(), otherTeam = UUID()
        let others: [GatewayDirectory.CampaignEntry] = [
            .init(id: closed, code: "C0", state: .closed, startsAt: now - 10 * day, endsAt: now - 5 * day, interceptAll: false,
                  assets: [], assetsFingerprint: ""),
            .init(id: draft, code: "C9", state: .draft, startsAt: now + 3 * day, endsAt: now + 8 * day, interceptAll: false,
                  assets: [], assetsFingerprint: ""),
        ]
        let running = try XCTUnwrap(makeGateway().view).campaigns.values.map(\.entry)
        func view(running: [GatewayDirectory.CampaignEntry]) -> GatewayView {
            let teams: [GatewayDirectory.TeamEntry] = (running + others).map {
                .init(campaignID: $0.id, teamID: teamID, teamCode: "T1", state: .active, interception: false)
            }
            let directory = GatewayDirectory(campaigns: running, otherCampaigns: others, teams: teams, testers: [:], settings: [:])
            return GatewayView(directory: directory, settings: GatewaySettings(), previous: nil)
        }
        XCTAssertEqual(view(running: running).filingCampaign(team: teamID, at: now), campaignID, "a running campaign first")
        let idle = view(running: [])
        XCTAssertEqual(idle.filingCampaign(team: teamID, at: now), draft, "three days to the start beats five since the close")
        XCTAssertEqual(idle.filingCampaign(team: teamID, at: now - 6 * day), closed, "inside a closed campaign's window")
        XCTAssertEqual(idle.filingCampaign(team: teamID, at: now - 100 * day), closed)
        XCTAssertEqual(idle.filingCampaign(team: teamID, at: now + 100 * day), draft)
        XCTAssertNil(idle.filingCampaign(team: otherTeam, at: now))
    }

    func testPipelinedRefusalsComeBackInOrder() throws {
        let gateway = makeGateway()
        let channel = try channel(gateway)
        let auth = "Proxy-Authorization: Basic " + Data("alice:pgt_good".utf8).base64EncodedString()
        try channel.writeInbound(ByteBuffer(string:
            "GET http://203.0.113.1/a HTTP/1.1\r\n\(auth)\r\n\r\nGET http://192.0.2.10:81/b HTTP/1.1\r\n\(auth)\r\n\r\nGET http://192.0.2.10/c HTTP/1.1\r\n\r\n"))
        let reply = try outbound(channel)
        let statuses = reply.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        XCTAssertEqual(statuses, ["403", "403", "407"], reply)
        XCTAssertEqual(gateway.batcher.pendingCount, 3)
    }

    func testOriginFormRequestIsABadRequest() throws {
        let channel = try channel(makeGateway())
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: proxy\r\n\r\n"))
        XCTAssertTrue(try outbound(channel).hasPrefix("HTTP/1.1 400"))
    }

    func testMalformedHTTPURLIsABadRequestAndOtherSchemesSayWhatIsSupported() throws {
        let malformed = try channel(makeGateway())
        try malformed.writeInbound(ByteBuffer(string: "GET HTTP:///x HTTP/1.1\r\nHost: proxy\r\n\r\n"))
        XCTAssertTrue(try outbound(malformed).hasPrefix("HTTP/1.1 400"), "an http URL without a host is malformed, not unsupported")
        let https = try channel(makeGateway())
        try https.writeInbound(ByteBuffer(string: "GET https://a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n"))
        let answer = try outbound(https)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 501"))
        XCTAssertTrue(answer.contains("CONNECT"), "the refusal says how HTTPS goes through the gateway")
    }

    func testSOCKS5WithoutUsernamePasswordIsRefused() throws {
        let gateway = makeGateway()
        let channel = try channel(gateway)
        try channel.writeInbound(ByteBuffer(bytes: [0x05, 0x01, 0x00]))
        let reply = try channel.readOutbound(as: ByteBuffer.self)
        XCTAssertEqual(reply.map { Array($0.readableBytesView) }, [0x05, 0xFF])
        XCTAssertEqual(gateway.batcher.pendingCount, 1)
    }

    func testSOCKS5WrongTokenFailsRFC1929() throws {
        let channel = try channel(makeGateway())
        try channel.writeInbound(ByteBuffer(bytes: [0x05, 0x01, 0x02]))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { Array($0.readableBytesView) }, [0x05, 0x02])
        let name = Array("alice".utf8), password = Array("pgt_bad".utf8)
        try channel.writeInbound(ByteBuffer(bytes: [0x01, UInt8(name.count)] + name + [UInt8(password.count)] + password))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { Array($0.readableBytesView) }, [0x01, 0x01])
    }

    func testIdleConnectionsAreClosed() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(IdleCloseHandler(timeout: .seconds(300)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        // Traffic either way keeps the connection open well past the timeout.
        for minute in 1...10 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(60))
            if minute.isMultiple(of: 2) {
                try channel.writeInbound(ByteBuffer(string: "x"))
                _ = try channel.readInbound(as: ByteBuffer.self)
            } else {
                try channel.writeOutbound(ByteBuffer(string: "y"))
                _ = try channel.readOutbound(as: ByteBuffer.self)
            }
        }
        XCTAssertTrue(channel.isActive, "a connection in use stays open")
        // Silence: still open just before the timeout, closed within a quarter of it after.
        channel.embeddedEventLoop.advanceTime(by: .seconds(299))
        XCTAssertTrue(channel.isActive, "not closed before the timeout")
        channel.embeddedEventLoop.advanceTime(by: .seconds(76))
        XCTAssertFalse(channel.isActive, "closed once idle for the timeout")
    }

    func testHopByHopHeadersAreNotForwarded() {
        var headers = HTTPHeaders([("Host", "a.example"), ("Proxy-Authorization", "Basic eA=="), ("CONNECTION", "close, X-Private"),
                                   ("x-private", "1"), ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Accept", "*/*"),
                                   ("Proxy-Connection", "keep-alive"), ("Upgrade", "h2c"), ("X-Te", "kept")])
        HTTPProxyHandler.stripHopByHop(&headers)
        XCTAssertEqual(headers.map { $0.name }, ["Host", "Accept", "X-Te"])
        var plain = HTTPHeaders([("Host", "a.example"), ("Accept", "*/*")])
        HTTPProxyHandler.stripHopByHop(&plain)
        XCTAssertEqual(plain.map { $0.name }, ["Host", "Accept"], "nothing to drop leaves the headers as they were")
        XCTAssertTrue(HTTPProxyHandler.asciiCaseInsensitiveEquals("Proxy-AUTHORIZATION", "proxy-authorization"))
        XCTAssertFalse(HTTPProxyHandler.asciiCaseInsensitiveEquals("proxy-authorizatioN2", "proxy-authorization"))
        XCTAssertFalse(HTTPProxyHandler.asciiCaseInsensitiveEquals("[", "{"), "only letters fold")
    }

    func testHeadersAreStoredAsJSONThatDecodes() throws {
        let tricky = [GatewayRecordRow.Header("X-Quote", "a \"b\" \\ c"), GatewayRecordRow.Header("X-Ctl", "tab\tnl\ncr\r\u{01}"),
                      GatewayRecordRow.Header("X-名", "检测 ✓ 🚀"), GatewayRecordRow.Header("\"", "\\\\"),
                      GatewayRecordRow.Header("", "\u{0}mid\u{1F}\u{7F}end\""), GatewayRecordRow.Header("a\"\"b", "\n\n")]
        let text = try XCTUnwrap(GatewayRecordRow.json(tricky))
        let decoded = try JSONDecoder().decode([[String]].self, from: Data(text.utf8))
        XCTAssertEqual(decoded, tricky.map { [$0.name, $0.value] })
        XCTAssertEqual(GatewayRecordRow.json([GatewayRecordRow.Header("a\"b\\", "\t\u{1}z")]), #"[["a\"b\\","\t\u0001z"]]"#)
        XCTAssertEqual(GatewayRecordRow.json([]), "[]")
        XCTAssertNil(GatewayRecordRow.json(nil))
    }

    func testTargetsParse() {
        XCTAssertEqual(ProxyTarget.absolute("http://Example.GOV.cn./a?b=1"),
                       ProxyTarget(scheme: "http", host: "example.gov.cn", port: 80, path: "/a?b=1"))
        XCTAssertEqual(ProxyTarget.absolute("http://[2001:db8::1]:8080"),
                       ProxyTarget(scheme: "http", host: "2001:db8::1", port: 8080, path: "/"))
        XCTAssertEqual(ProxyTarget.absolute("http://user:pw@h.example:81?q"),
                       ProxyTarget(scheme: "http", host: "h.example", port: 81, path: "/?q"))
        XCTAssertNil(ProxyTarget.absolute("ftp://h.example/"))
        XCTAssertEqual(ProxyTarget.absolute("HTTP://h.example#frag")?.path, "/", "the scheme is case-insensitive; the fragment stays home")
        XCTAssertNil(ProxyTarget.absolute("https://h.example/"), "https is CONNECT's business")
        XCTAssertNil(ProxyTarget.absolute("http:/h.example/"))
        XCTAssertNil(ProxyTarget.absolute("http:///path"), "no host")
        XCTAssertNil(ProxyTarget.absolute("http://"), "nothing after the scheme")
        XCTAssertNil(ProxyTarget.httpSchemeEnd("http:"), "a prefix of the scheme is not the scheme")
        XCTAssertNil(ProxyTarget.absolute("http://h.example:99999/"))
        XCTAssertEqual(ProxyTarget.authority("h.example:443")?.port, 443)
        XCTAssertEqual(ProxyTarget.authority("[::1]:8443")?.host, "::1")
        XCTAssertNil(ProxyTarget.authority("h.example"), "CONNECT needs a port")
        XCTAssertNil(ProxyTarget.authority("[zz]:1"))
        XCTAssertEqual(ProxyTarget(scheme: "https", host: "::1", port: 443, path: "/x").url, "https://[::1]/x")
    }

    func testCredentialsParse() {
        let header = "Basic " + Data("alice:pgt:with:colons".utf8).base64EncodedString()
        XCTAssertEqual(ProxyCredentials(header: header), ProxyCredentials(username: "alice", token: "pgt:with:colons"))
        XCTAssertNil(ProxyCredentials(header: "Bearer abc"))
        XCTAssertNil(ProxyCredentials(header: "Basic !!!"))
        var buffer = ByteBuffer(bytes: [0x01, 0x01, UInt8(ascii: "a"), 0x02, UInt8(ascii: "p")])
        XCTAssertNil(SOCKS5Handler.parseCredentials(&buffer), "incomplete: waits for more")
        buffer.writeInteger(UInt8(ascii: "w"))
        XCTAssertEqual(SOCKS5Handler.parseCredentials(&buffer).map { [$0.0, $0.1] }, ["a", "pw"])
    }

    func testSettingsNameABadValue() {
        XCTAssertThrowsError(try GatewaySettings.resolve(environment: ["PATROL_GATEWAY_RATE": "fast"], stored: [:])) { error in
            XCTAssertTrue("\(error)".contains("PATROL_GATEWAY_RATE"))
        }
        let s = try? GatewaySettings.resolve(environment: ["PATROL_GATEWAY_BODY_CAP_KB": "8"], stored: ["PATROL_GATEWAY_BODY_CAP_KB": "16"])
        XCTAssertEqual(s?.bodyCapBytes, 16 * 1024, "the stored setting wins over the environment")
    }

    func testRecordedBodiesRoundTrip() throws {
        let codec = try RecordedBody()
        let text = Data(String(repeating: "测试 body ", count: 2000).utf8)
        let packed = try codec.compress(text)
        XCTAssertLessThan(packed.count, text.count / 10)
        XCTAssertEqual(try RecordedBody.decompress(packed), text)
        XCTAssertEqual(try RecordedBody.decompress(try codec.compress(Data("again".utf8))), Data("again".utf8), "the compressor is reusable")

        // Bytes that will not shrink (here: a seeded pseudo-random stream, like an image or a gzip
        // response) are stored, not searched for matches; the reader cannot tell the difference.
        var generator = SeededGenerator(seed: 6)
        let noise = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        XCTAssertTrue(RecordedBody.looksIncompressible(noise))
        XCTAssertFalse(RecordedBody.looksIncompressible(text))
        XCTAssertFalse(RecordedBody.looksIncompressible(Data(noise.base64EncodedString().utf8)), "base64 text still deflates by a quarter")
        let stored = try codec.compress(noise)
        XCTAssertLessThanOrEqual(stored.count, noise.count + 16, "stored blocks add a few bytes")
        XCTAssertEqual(try RecordedBody.decompress(stored), noise)
        XCTAssertEqual(try RecordedBody.decompress(try codec.compress(text)), text, "and deflate works again after a stored body")
    }
}
