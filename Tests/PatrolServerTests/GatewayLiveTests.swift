import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatrolCore
import PatrolGateway
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The gateway live on loopback (SPEC §6), driven by curl as a tester would, against real upstream
/// servers (plain HTTP and TLS) on both databases: HTTP, HTTPS tunnel, intercepted HTTPS, SOCKS5,
/// out of scope, private address, bad credentials, kill switch, rate limit, rebinding, body cap.
final class GatewayLiveTests: XCTestCase {
    /// Back-pressure (SPEC §6): a client that stops reading stops the gateway reading from the target,
    /// so a large response waits in the target's socket rather than in the gateway's memory; when
    /// the client reads again, every byte arrives.
    func testASlowClientHoldsTheTargetBack() async throws {
        try await withGatewayRig { rig in
            let mebibytes = 64, total = 64 * 1024 * 1024
            let received = NIOLockedValueBox(0)
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ByteCounter(received: received)) }
                }
                .connect(host: "127.0.0.1", port: rig.port).get()
            let credentials = Data("gw-tester:\(rig.token)".utf8).base64EncodedString()
            let request = "GET http://127.0.0.1:\(rig.http.port)/big/\(mebibytes) HTTP/1.1\r\nHost: 127.0.0.1:\(rig.http.port)\r\n"
                + "Proxy-Authorization: Basic \(credentials)\r\n\r\n"
            try await client.writeAndFlush(ByteBuffer(string: request))
            // Nothing is read by the client: the target gets as far as the sockets' buffers on the way.
            try await Task.sleep(for: .milliseconds(1500))
            let stalled = rig.http.streamed
            XCTAssertGreaterThan(stalled, 0, "the target started sending")
            XCTAssertLessThan(stalled, total * 5 / 8, "held back while the client does not read (sent \(stalled) of \(total))")
            // Reading again drains everything, byte for byte.
            try await client.setOption(.autoRead, value: true).get()
            let started = ContinuousClock.now
            while received.withLockedValue({ $0 }) < total, ContinuousClock.now - started < .seconds(20) {
                try await Task.sleep(for: .milliseconds(50))
            }
            XCTAssertGreaterThan(received.withLockedValue { $0 }, total, "head and the whole body arrived")
            XCTAssertEqual(rig.http.streamed, total)
            try await client.close()
            let records = try await rig.records()
            let record = try XCTUnwrap(records.last)
            XCTAssertEqual(record.responseBodySize, total)
            XCTAssertTrue(record.responseBodyTruncated, "only the first 64 KiB kept")
        }
    }

    final class ByteCounter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<Int>
        init(received: NIOLockedValueBox<Int>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let count = unwrapInboundIn(data).readableBytes
            received.withLockedValue { $0 += count }
        }
    }

    // MARK: Tests

    func testPlainHTTPIsForwardedToTheCheckedAddressAndRecorded() async throws {
        try await withGatewayRig { rig in
            let get = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello?x=1"])
            XCTAssertEqual(get.status, 200)
            XCTAssertEqual(get.body, "hello /hello?x=1")
            let post = try viaProxy(rig, ["--data-binary", "a=1&b=2", "http://www.gw.test:\(rig.http.port)/echo"])
            XCTAssertEqual(post.status, 200)
            XCTAssertEqual(post.body, "a=1&b=2")

            let records = try await rig.records()
            XCTAssertEqual(records.count, 2)
            let first = records[0], second = records[1]
            XCTAssertEqual(first.decision, "allowed")
            XCTAssertEqual(first.kind, "http")
            XCTAssertEqual(first.method, "GET")
            XCTAssertEqual(first.url, "http://127.0.0.1:\(rig.http.port)/hello?x=1")
            XCTAssertEqual(first.status, 200)
            XCTAssertEqual(first.username, "gw-tester")
            XCTAssertEqual(first.$campaign.id, try rig.campaign.requireID())
            XCTAssertEqual(first.address, "127.0.0.1")
            XCTAssertTrue(first.client.hasPrefix("127.0.0.1:"))
            let requestHeaders = first.headerPairs.request
            let auth = requestHeaders.first { $0[0].lowercased() == "proxy-authorization" }
            XCTAssertEqual(auth?[1], "Basic (gw-tester:***)", "the token is never recorded")
            XCTAssertFalse(first.requestHeaders?.contains(rig.token) ?? true)
            XCTAssertEqual(try first.responseBody.map { String(decoding: try RecordedBody.decompress($0), as: UTF8.self) },
                           "hello /hello?x=1")
            XCTAssertGreaterThan(first.bytesDown, 16)
            XCTAssertEqual(second.host, "www.gw.test")
            XCTAssertEqual(second.address, "127.0.0.1")
            XCTAssertEqual(try second.requestBody.map { String(decoding: try RecordedBody.decompress($0), as: UTF8.self) },
                           "a=1&b=2")
            XCTAssertEqual(second.requestBodySize, 7)
            XCTAssertFalse(second.requestBodyTruncated)
        }
    }

    /// Pipelining (SPEC §6): requests sent back to back on one connection, before any answer, are
    /// forwarded one at a time and answered in order — a forwarded GET, a refusal decided at once,
    /// a POST whose body comes with it, a name to resolve — and each is recorded.
    func testPipelinedRequestsAreAnsweredInOrder() async throws {
        try await withGatewayRig { rig in
            let text = NIOLockedValueBox("")
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(TextCollector(text: text)) }
                }
                .connect(host: "127.0.0.1", port: rig.port).get()
            let auth = "Proxy-Authorization: Basic " + Data("gw-tester:\(rig.token)".utf8).base64EncodedString() + "\r\n"
            let origin = "127.0.0.1:\(rig.http.port)"
            let requests = "GET http://\(origin)/one HTTP/1.1\r\nHost: \(origin)\r\n\(auth)\r\n"
                + "GET http://\(origin.replacingOccurrences(of: "127.0.0.1", with: "127.0.0.3"))/two HTTP/1.1\r\n\(auth)\r\n"
                + "POST http://\(origin)/echo HTTP/1.1\r\n\(auth)Content-Length: 5\r\n\r\nthree"
                + "GET http://www.gw.test:\(rig.http.port)/four HTTP/1.1\r\n\(auth)\r\n"
            try await client.writeAndFlush(ByteBuffer(string: requests))
            let started = ContinuousClock.now
            while !text.withLockedValue({ $0.hasSuffix("hello /four") }), ContinuousClock.now - started < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await client.close()
            let answers = text.withLockedValue { $0 }.components(separatedBy: "HTTP/1.1 ").dropFirst()
            XCTAssertEqual(answers.map { String($0.prefix(3)) }, ["200", "403", "200", "200"], text.withLockedValue { $0 })
            let bodies = answers.map { $0.components(separatedBy: "\r\n\r\n").last ?? "" }
            XCTAssertEqual(bodies.count, 4)
            XCTAssertEqual(bodies.first, "hello /one")
            XCTAssertTrue(bodies.dropFirst().first?.contains("not in the campaign's scope") ?? false, bodies.joined(separator: " | "))
            XCTAssertEqual(bodies.suffix(2), ["three", "hello /four"])
            XCTAssertEqual(rig.http.requests, 3, "the refused one never reached the target")
            let records = try await rig.records()
            XCTAssertEqual(records.map(\.url), ["http://\(origin)/one", "http://127.0.0.3:\(rig.http.port)/two",
                                                "http://\(origin)/echo", "http://www.gw.test:\(rig.http.port)/four"])
            XCTAssertEqual(records.map(\.status), [200, 403, 200, 200])
        }
    }

    /// `Expect: 100-continue` (curl sends it for large uploads): the target's 100 Continue reaches
    /// the client, which then sends its body at once instead of waiting out its timeout.
    func testAHundredContinueIsPassedOn() async throws {
        try await withGatewayRig { rig in
            let body = String(repeating: "x", count: 20_000)
            let started = ContinuousClock.now
            let post = try viaProxy(rig, ["-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary", body,
                                          "http://127.0.0.1:\(rig.http.port)/echo"])
            let elapsed = ContinuousClock.now - started
            XCTAssertEqual(post.status, 200)
            XCTAssertEqual(post.body.count, body.count)
            XCTAssertLessThan(elapsed, .seconds(3), "curl waited for a 100 Continue that never came")
            let records = try await rig.records()
            let record = try XCTUnwrap(records.last)
            XCTAssertEqual(record.status, 200, "the final status is recorded, not the interim one")
            XCTAssertEqual(record.requestBodySize, body.count)
        }
    }

    final class TextCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let text: NIOLockedValueBox<String>
        init(text: NIOLockedValueBox<String>) { self.text = text }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = String(buffer: unwrapInboundIn(data))
            text.withLockedValue { $0 += part }
        }
    }

    func testRefusalsSayWhyAndAreRecordedAsViolations() async throws {
        try await withGatewayRig { rig in
            let otherPort = try viaProxy(rig, ["http://127.0.0.1:1/"])
            XCTAssertEqual(otherPort.status, 403)
            XCTAssertTrue(otherPort.body.contains("not in the campaign's scope"), otherPort.body)
            let outside = try viaProxy(rig, ["http://203.0.113.9/"])
            XCTAssertEqual(outside.status, 403)
            let rebinding = try viaProxy(rig, ["http://rebind.gw.test:\(rig.http.port)/"])
            XCTAssertEqual(rebinding.status, 403)
            XCTAssertTrue(rebinding.body.contains("private, loopback or cloud metadata"), rebinding.body)
            let metadata = try viaProxy(rig, ["http://169.254.169.254/latest/meta-data/"])
            XCTAssertEqual(metadata.status, 403)
            let unresolved = try viaProxy(rig, ["http://nowhere.gw.test/"])
            XCTAssertEqual(unresolved.status, 403)

            let records = try await rig.records()
            XCTAssertEqual(records.map(\.reason), ["not_in_scope", "not_in_scope", "special_address", "not_in_scope", "unresolved"])
            XCTAssertTrue(records.allSatisfy { $0.decision == "denied" && $0.status == 403 })
            XCTAssertEqual(records[0].alertList, ["out_of_scope"])
            XCTAssertEqual(records[2].alertList, ["out_of_scope"])
            XCTAssertNil(records[2].address, "nothing was connected")
            XCTAssertEqual(rig.http.requests, 0, "no refused request reached a server")
        }
    }

    /// A removed asset leaves the scope at the next refresh: the refresh keeps the assets it read
    /// only while the database's scope counter holds, and the removal moves it.
    func testARemovedAssetLeavesTheScopeAtTheNextRefresh() async throws {
        try await withGatewayRig { rig in
            let url = "http://127.0.0.1:\(rig.http.port)/hello"
            XCTAssertEqual(try viaProxy(rig, [url]).status, 200)
            try await rig.gateway.refresh()
            XCTAssertEqual(try viaProxy(rig, [url]).status, 200, "a refresh with nothing changed keeps the scope")
            try await Asset.query(on: rig.app.db).filter(\.$code == "D01-LOOP").delete()
            try await rig.gateway.refresh()
            let refused = try viaProxy(rig, [url])
            XCTAssertEqual(refused.status, 403)
            XCTAssertTrue(refused.body.contains("not in the campaign's scope"), refused.body)
        }
    }

    func testMissingOrWrongCredentialsGet407() async throws {
        try await withGatewayRig { rig in
            let none = try curl(["-x", "http://127.0.0.1:\(rig.port)", "-D", "-", "http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(none.status, 407)
            XCTAssertTrue(none.body.lowercased().contains("proxy-authenticate: basic realm=\"patrol\""), none.body)
            let wrong = try viaProxy(rig, token: "pgt_wrong", ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(wrong.status, 407)
            let otherTeamsToken = try viaProxy(rig, token: rig.token2, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(otherTeamsToken.status, 407)
            // A NUL in the presented name is recorded (as U+FFFD) like any other wrong name.
            let nul = Data("gw\u{0}x:pgt_wrong".utf8).base64EncodedString()
            let withNUL = try curl(["-x", "http://127.0.0.1:\(rig.port)", "--proxy-header", "Proxy-Authorization: Basic \(nul)",
                                    "http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(withNUL.status, 407)
            let records = try await rig.records()
            XCTAssertEqual(records.map(\.reason), ["auth_required", "bad_credentials", "bad_credentials", "bad_credentials"])
            XCTAssertEqual(records[3].username, "gw\u{FFFD}x")
            XCTAssertEqual(rig.http.requests, 0)
            // Attempts on a known account are filed under its team and campaign for the organiser,
            // without claiming the tester made them.
            let t01 = try await Team.query(on: rig.app.db).filter(\.$code == "T01").first()!
            XCTAssertEqual(records[1].$team.id, t01.id)
            XCTAssertEqual(records[1].$campaign.id, rig.campaign.id)
            XCTAssertNil(records[1].$user.id)
            XCTAssertNil(records[0].$team.id, "no name, no team")
            // Attempts that name no tester go to the one campaign open at the time, for the organiser.
            XCTAssertEqual(records[0].$campaign.id, rig.campaign.id)
            XCTAssertEqual(records[3].$campaign.id, rig.campaign.id)
            XCTAssertNil(records[3].$team.id)
        }
    }

    func testHTTPSTunnelAndInterception() async throws {
        try await withGatewayRig { rig in
            let tunnel = try viaProxy(rig, ["-k", "https://127.0.0.1:\(rig.https.port)/secret"])
            XCTAssertEqual(tunnel.status, 200)
            XCTAssertEqual(tunnel.body, "hello /secret")
            try await Task.sleep(for: .milliseconds(100))
            var records = try await rig.records()
            XCTAssertEqual(records.count, 1)
            XCTAssertEqual(records[0].kind, "tunnel")
            XCTAssertEqual(records[0].url, "127.0.0.1:\(rig.https.port)")
            XCTAssertGreaterThan(records[0].bytesUp, 100, "the TLS handshake went up")
            XCTAssertGreaterThan(records[0].bytesDown, 100)

            try await GatewayControl.setInterception(true, campaign: rig.campaign, team: "T01",
                                                     context: .init(actorID: nil, actor: "test", clientAddress: "local"), on: rig.app.db)
            try await rig.gateway.refresh()
            let caFile = rig.data.appendingPathComponent("ca-download.pem")
            try rig.gateway.authority(campaign: "CZ2022").certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
            let intercepted = try viaProxy(rig, ["--cacert", caFile.path, "https://127.0.0.1:\(rig.https.port)/inside?y=2"])
            XCTAssertEqual(intercepted.status, 200, "curl trusts only the campaign CA: \(intercepted)")
            XCTAssertEqual(intercepted.body, "hello /inside?y=2")
            let posted = try viaProxy(rig, ["--cacert", caFile.path, "--data-binary", "DROP TABLE users",
                                            "https://127.0.0.1:\(rig.https.port)/echo"])
            XCTAssertEqual(posted.body, "DROP TABLE users")
            records = try await rig.records()
            XCTAssertEqual(records.count, 3)
            XCTAssertEqual(records[1].kind, "https")
            XCTAssertEqual(records[1].url, "https://127.0.0.1:\(rig.https.port)/inside?y=2")
            XCTAssertEqual(records[1].status, 200)
            XCTAssertNotNil(records[1].tls, "the target's certificate is recorded")
            XCTAssertEqual(records[2].alertList, ["destructiveSQL"])
        }
    }

    func testSOCKS5WithUsernameAndToken() async throws {
        try await withGatewayRig { rig in
            let ok = try curl(["-x", "socks5h://gw-tester:\(rig.token)@127.0.0.1:\(rig.port)", "http://www.gw.test:\(rig.http.port)/hello"])
            XCTAssertEqual(ok.status, 200)
            XCTAssertEqual(ok.body, "hello /hello")
            let refused = try curl(["-x", "socks5h://gw-tester:\(rig.token)@127.0.0.1:\(rig.port)", "http://203.0.113.9/"])
            XCTAssertNotEqual(refused.exit, 0)
            let badToken = try curl(["-x", "socks5h://gw-tester:nope@127.0.0.1:\(rig.port)", "http://www.gw.test:\(rig.http.port)/hello"])
            XCTAssertNotEqual(badToken.exit, 0)
            try await Task.sleep(for: .milliseconds(100))
            let records = try await rig.records()
            let byReason = Dictionary(grouping: records, by: { $0.reason ?? "ok" })
            XCTAssertEqual(byReason["ok"]?.first?.kind, "socks")
            XCTAssertEqual(byReason["ok"]?.first?.host, "www.gw.test")
            XCTAssertEqual(byReason["not_in_scope"]?.count, 1)
            XCTAssertEqual(byReason["bad_credentials"]?.count, 1)
        }
    }

    func testSuspendingATeamClosesItsOpenTunnelWithinASecond() async throws {
        try await withGatewayRig { rig in
            let tunnel = try await RawTunnel.open(gatewayPort: rig.port, target: "127.0.0.1:\(rig.http.port)",
                                                  credentials: "gw-tester:\(rig.token)")
            XCTAssertTrue(tunnel.response.hasPrefix("HTTP/1.1 200"), tunnel.response)
            let started = ContinuousClock.now
            try await GatewayControl.setState(.suspended, campaign: rig.campaign, team: "T01",
                                              context: .init(actorID: nil, actor: "test", clientAddress: "local"), on: rig.app.db)
            try await rig.gateway.refresh()
            try await tunnel.channel.closeFuture.get()
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
            let refused = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(refused.status, 403)
            XCTAssertTrue(refused.body.contains("suspended"), refused.body)
            let other = try viaProxy(rig, user: "gw-tester2", token: rig.token2, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(other.status, 200, "another team is not affected")
        }
    }

    func testRateLimitWindowAndBodyCap() async throws {
        try await withGatewayRig { rig in
            try await Setting.store(["PATROL_GATEWAY_RATE": "1", "PATROL_GATEWAY_BURST": "2", "PATROL_GATEWAY_BODY_CAP_KB": "1"],
                                    on: rig.app.db)
            try await rig.gateway.refresh()
            let big = String(repeating: "x", count: 5000)
            let first = try viaProxy(rig, ["--data-binary", big, "http://127.0.0.1:\(rig.http.port)/echo"])
            XCTAssertEqual(first.body.count, 5000, "the cap limits the record, not the traffic")
            _ = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello"])
            let limited = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(limited.status, 403)
            XCTAssertTrue(limited.body.contains("rate limit"), limited.body)

            rig.campaign.endsAt = Date().addingTimeInterval(-60)
            try await rig.campaign.save(on: rig.app.db)
            try await rig.gateway.refresh()
            let closed = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(closed.status, 403)
            XCTAssertTrue(closed.body.contains("window is closed"), closed.body)
            // Once the campaign is closed the gateway no longer loads its scope; a tester's attempt
            // is still refused and filed under it, where the organiser looks.
            rig.campaign.state = .closed
            try await rig.campaign.save(on: rig.app.db)
            try await rig.gateway.refresh()
            let afterClose = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(afterClose.status, 403)
            XCTAssertTrue(afterClose.body.contains("window is closed"), afterClose.body)
            let wrongToken = try viaProxy(rig, token: "pgt_wrong", ["http://127.0.0.1:\(rig.http.port)/hello"])
            XCTAssertEqual(wrongToken.status, 407)

            let records = try await rig.records()
            XCTAssertEqual(records[0].requestBodySize, 5000)
            XCTAssertTrue(records[0].requestBodyTruncated)
            XCTAssertEqual(try records[0].requestBody.map { try RecordedBody.decompress($0).count }, 1024)
            XCTAssertTrue(records[0].responseBodyTruncated)
            XCTAssertEqual(records[2].reason, "rate_limited")
            XCTAssertEqual(records[2].alertList, ["rate_limit"])
            XCTAssertEqual(records[3].reason, "window_closed")
            XCTAssertEqual(records.count, 6)
            XCTAssertEqual(records[4].reason, "window_closed")
            XCTAssertEqual(records[4].$campaign.id, rig.campaign.id, "filed under the closed campaign")
            XCTAssertEqual(records[4].username, "gw-tester")
            XCTAssertEqual(records[5].reason, "bad_credentials")
            XCTAssertEqual(records[5].$campaign.id, rig.campaign.id, "a wrong token on the name too")
            XCTAssertNil(records[5].$user.id, "not proven to be that tester")
        }
    }

    func testReplayForARetestRecordsANewExchange() async throws {
        try await withGatewayRig { rig in
            _ = try viaProxy(rig, ["--data-binary", "probe", "http://127.0.0.1:\(rig.http.port)/echo"])
            let original = try await rig.records()[0]
            let reviewer = try await User.query(on: rig.app.db).filter(\.$username == "gw-reviewer").first()!
            let id = try await GatewayReplay.run(record: original, actorID: reviewer.requireID(), username: "gw-reviewer",
                                                 db: rig.app.db, eventLoop: rig.app.eventLoopGroup.any())
            let replay = try await GatewayRecord.find(id, on: rig.app.db)
            XCTAssertEqual(replay?.kind, "replay")
            XCTAssertEqual(replay?.replayOf, original.id)
            XCTAssertEqual(replay?.status, 200)
            XCTAssertEqual(try replay?.responseBody.map { String(decoding: try RecordedBody.decompress($0), as: UTF8.self) }, "probe")
            XCTAssertEqual(rig.http.requests, 2)
            // Bytes are counted as for the original: the same response, headers included, and a
            // request with its line and headers (origin-form, without the proxy credential).
            XCTAssertEqual(replay?.bytesDown, original.bytesDown)
            XCTAssertGreaterThan(replay?.bytesUp ?? 0, 5 + 40, "request line and headers counted, not only the 5-byte body")
        }
    }
}

/// A CONNECT tunnel held open by hand, to watch the kill switch close it.
struct RawTunnel {
    var channel: any Channel
    var response: String

    static func open(gatewayPort: Int, target: String, credentials: String) async throws -> RawTunnel {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FirstReply(promise: promise)) }
            }
            .connect(host: "127.0.0.1", port: gatewayPort).get()
        let auth = Data(credentials.utf8).base64EncodedString()
        let request = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\nProxy-Authorization: Basic \(auth)\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return RawTunnel(channel: channel, response: try await promise.futureResult.get())
    }

    final class FirstReply: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        init(promise: EventLoopPromise<String>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(String(buffer: unwrapInboundIn(data)))
        }
        func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.eof) }
    }
}

/// A small origin server: `/echo` returns the request body, `/big/<MiB>` streams that many MiB
/// as fast as its socket takes them (counting what the socket took), anything else `hello <uri>`.
final class TestUpstream: Sendable {
    let channel: any Channel
    let counter: NIOLockedValueBox<Int>
    let bigSent: NIOLockedValueBox<Int>
    var port: Int { channel.localAddress!.port! }
    var requests: Int { counter.withLockedValue { $0 } }
    /// Bytes of `/big` bodies the socket has accepted so far.
    var streamed: Int { bigSent.withLockedValue { $0 } }

    init(channel: any Channel, counter: NIOLockedValueBox<Int>, bigSent: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.counter = counter
        self.bigSent = bigSent
    }

    static func start(tls: NIOSSLContext?) async throws -> TestUpstream {
        let counter = NIOLockedValueBox(0)
        let bigSent = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.configureHTTPServerPipeline()
                    try sync.addHandler(Responder(counter: counter, bigSent: bigSent))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestUpstream(channel: channel, counter: counter, bigSent: bigSent)
    }

    func stop() async throws { try await channel.close() }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: NIOLockedValueBox<Int>
        let bigSent: NIOLockedValueBox<Int>
        var head: HTTPRequestHead?
        var body = ByteBuffer()
        /// Chunks of a `/big` body still to write; written only while the socket is writable.
        var bigLeft = 0
        init(counter: NIOLockedValueBox<Int>, bigSent: NIOLockedValueBox<Int>) {
            self.counter = counter
            self.bigSent = bigSent
        }

        static let chunk = ByteBuffer(repeating: UInt8(ascii: "b"), count: 64 * 1024)

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            writeBig(context)
            context.fireChannelWritabilityChanged()
        }

        func writeBig(_ context: ChannelHandlerContext) {
            while bigLeft > 0 && context.channel.isWritable {
                bigLeft -= 1
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(Self.chunk))), promise: nil)
                bigSent.withLockedValue { $0 += Self.chunk.readableBytes }
                if bigLeft == 0 { context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
                if h.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
                }
            case .body(var b):
                body.writeBuffer(&b)
            case .end:
                counter.withLockedValue { $0 += 1 }
                guard let head else { return }
                if head.uri.hasPrefix("/big/"), let mebibytes = Int(head.uri.dropFirst(5)) {
                    var response = HTTPResponseHead(version: .http1_1, status: .ok)
                    response.headers.add(name: "Content-Length", value: "\(mebibytes * 1024 * 1024)")
                    context.writeAndFlush(wrapOutboundOut(.head(response)), promise: nil)
                    bigLeft = mebibytes * 16
                    return writeBig(context)
                }
                let reply = head.uri.hasPrefix("/echo") ? body : ByteBuffer(string: "hello \(head.uri)")
                var response = HTTPResponseHead(version: .http1_1, status: .ok)
                response.headers.add(name: "Content-Length", value: "\(reply.readableBytes)")
                response.headers.add(name: "Content-Type", value: "text/plain")
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(reply))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
