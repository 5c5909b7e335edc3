import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PatrolCore
import PatrolGateway
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// A tester trying to get out of scope (issue 18, item 2): a Host header naming another site, names
/// no DNS name can be, on every path, and Patrol's own ports. Each is refused, recorded as a
/// violation, and never reaches a server.
final class GatewayEscapeTests: XCTestCase {
    func testAHostHeaderNamingAnotherSiteIsRefused() async throws {
        try await withGatewayRig { rig in
            let origin = "127.0.0.1:\(rig.http.port)"
            let same = try viaProxy(rig, ["-H", "Host: \(origin)", "http://\(origin)/same"])
            XCTAssertEqual(same.status, 200, "a Host that names the target passes")
            let other = try viaProxy(rig, ["-H", "Host: intranet.example", "http://\(origin)/other"])
            XCTAssertEqual(other.status, 403)
            XCTAssertTrue(other.body.contains("Host"), other.body)
            let otherPort = try viaProxy(rig, ["-H", "Host: 127.0.0.1:1", "http://\(origin)/port"])
            XCTAssertEqual(otherPort.status, 403)

            // Inside an intercepted tunnel the Host must name the CONNECT target too.
            try await GatewayControl.setInterception(true, campaign: rig.campaign, team: "T01",
                                                     context: .init(actorID: nil, actor: "test", clientAddress: "local"), on: rig.app.db)
            try await rig.gateway.refresh()
            let caFile = rig.data.appendingPathComponent("ca-escape.pem")
            try rig.gateway.authority(campaign: "CZ2022").certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
            let inside = try viaProxy(rig, ["--cacert", caFile.path, "-H", "Host: admin.internal",
                                            "https://127.0.0.1:\(rig.https.port)/inside"])
            XCTAssertEqual(inside.status, 403)

            XCTAssertEqual(rig.http.requests, 1, "only the matching request reached the server")
            XCTAssertEqual(rig.https.requests, 0)
            let refused = try await rig.records().filter { $0.decision == "denied" }
            XCTAssertEqual(refused.map(\.reason), ["host_mismatch", "host_mismatch", "host_mismatch"])
            XCTAssertTrue(refused.allSatisfy { $0.alertList == ["out_of_scope"] })
        }
    }

    func testNamesNoDNSNameCanBeAreRefusedOnEveryPath() async throws {
        try await withGatewayRig { rig in
            let port = rig.http.port
            let auth = "Proxy-Authorization: Basic " + Data("gw-tester:\(rig.token)".utf8).base64EncodedString() + "\r\n"
            let names = ["www.gw.test%00.evil", "www.gw.test\u{01}", "www gw.test", "www.gw.test\\evil", "ww%77.gw.test"]
            for name in names {
                let reply = try await raw(rig, "GET http://\(name):\(port)/ HTTP/1.1\r\n\(auth)\r\n")
                XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400"), "\(name.debugDescription): \(reply.prefix(40))")
                let connect = try await raw(rig, "CONNECT \(name):443 HTTP/1.1\r\n\(auth)\r\n")
                XCTAssertTrue(connect.hasPrefix("HTTP/1.1 400"), "CONNECT \(name.debugDescription): \(connect.prefix(40))")
            }
            // A Host header holding such a name is refused the same way.
            let host = try await raw(rig, "GET http://www.gw.test:\(port)/ HTTP/1.1\r\nHost: www.gw.test%2f@evil\r\n\(auth)\r\n")
            XCTAssertTrue(host.hasPrefix("HTTP/1.1 400"), String(host.prefix(60)))
            // SOCKS5 with a domain holding a NUL: refused (reply 0x02, not allowed) and recorded.
            let socks = try await socks5(rig, domain: "www.gw.test\u{0}.evil", port: port)
            XCTAssertEqual(socks, 0x02)
            XCTAssertEqual(rig.http.requests, 0, "nothing reached the server")
            let records = try await rig.records()
            XCTAssertEqual(records.filter { $0.reason == "bad_name" }.count, 2, "\(records.map(\.reason))")
            XCTAssertTrue(records.allSatisfy { $0.decision == "denied" })
        }
    }

    func testPatrolsOwnPortsAreRefusedWhateverTheScopeSays() async throws {
        try await withGatewayRig { rig in
            // An asset that names loopback on the gateway's own port and on a protected one.
            let d01 = try await Unit.query(on: rig.app.db).filter(\.$code == "D01").first()!
            try await Asset(campaignID: rig.campaign.requireID(), unitID: d01.requireID(), code: "D01-SELF", kind: .ip,
                            target: "127.0.0.1", ports: "\(rig.port),\(rig.http.port + 0)", origin: .declared).create(on: rig.app.db)
            try await rig.gateway.refresh()
            let itself = try viaProxy(rig, ["http://127.0.0.1:\(rig.port)/"])
            XCTAssertEqual(itself.status, 403)
            XCTAssertTrue(itself.body.contains("Patrol"), itself.body)
            let tunnel = try viaProxy(rig, ["-k", "https://127.0.0.1:\(rig.port)/"])
            XCTAssertNotEqual(tunnel.exit, 0, "CONNECT to the gateway itself is refused")
            // A port protected as Patrol's (the web server's, the database's) goes the same way.
            XCTAssertEqual(try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/before"]).status, 200)
            rig.gateway.protect(ports: [rig.http.port])
            XCTAssertEqual(try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/after"]).status, 403)
            XCTAssertEqual(try viaProxy(rig, ["http://www.gw.test:\(rig.http.port)/by-name"]).status, 403)
            let reasons = try await rig.records().compactMap(\.reason)
            XCTAssertEqual(reasons, ["patrol_itself", "patrol_itself", "patrol_itself", "patrol_itself"])
        }
    }

    /// A range holding loopback does not open it by its width; an admin's internal-network mark
    /// does (by API or the assets page), audited, and only the admin may set it.
    func testARangeOpensLoopbackOnlyOnceAnAdminMarksItInternal() async throws {
        try await withGatewayRig { rig in
            let d01 = try await Unit.query(on: rig.app.db).filter(\.$code == "D01").first()!
            // A server on a port the rig's exact 127.0.0.1 asset does not list: only the /8 holds it.
            let other = try await TestUpstream.start(tls: nil)
            let port = other.port
            try await Asset(campaignID: rig.campaign.requireID(), unitID: d01.requireID(), code: "D01-LOOPNET", kind: .cidr,
                            target: "127.0.0.0/8", origin: .declared).create(on: rig.app.db)
            try await rig.gateway.refresh()
            let before = try viaProxy(rig, ["http://127.0.0.1:\(port)/wide"])
            XCTAssertEqual(before.status, 403)
            XCTAssertTrue(before.body.contains("private, loopback"), before.body)
            let path = "/api/v1/campaigns/CZ2022/assets/D01-LOOPNET/internal-network"
            for name in ["gw-reviewer", "gw-tester"] {
                let headers: HTTPHeaders = ["Authorization": "Bearer \(try await rig.app.token(for: name, kind: .api))",
                                            "Content-Type": "application/json"]
                try await rig.app.test(.PUT, path, headers: headers, body: ByteBuffer(string: #"{"internalNetwork":true}"#)) { res async throws in
                    XCTAssertEqual(res.status, .forbidden, name)
                }
            }
            try await rig.app.makeUser("gw-admin", .admin)
            let admin: HTTPHeaders = ["Authorization": "Bearer \(try await rig.app.token(for: "gw-admin", kind: .api))",
                                      "Content-Type": "application/json"]
            try await rig.app.test(.PUT, path, headers: admin, body: ByteBuffer(string: #"{"internalNetwork":true}"#)) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                XCTAssertTrue(res.body.string.contains(#""internalNetwork":true"#), res.body.string)
            }
            try await rig.gateway.refresh()
            let after = try viaProxy(rig, ["http://127.0.0.1:\(port)/marked"])
            XCTAssertEqual(after.status, 200, after.body)
            let audit = try await AuditEvent.query(on: rig.app.db).filter(\.$action == "asset.internal.mark").all()
            XCTAssertEqual(audit.map(\.objectID), ["D01-LOOPNET"])
            XCTAssertEqual(other.requests, 1, "only the request after the mark reached the server")
            try await other.stop()
        }
    }

    // MARK: Raw clients

    func raw(_ rig: GatewayRig, _ request: String) async throws -> String {
        let text = NIOLockedValueBox("")
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(GatewayLiveTests.TextCollector(text: text)) }
            }
            .connect(host: "127.0.0.1", port: rig.port).get()
        try await client.writeAndFlush(ByteBuffer(string: request))
        let started = ContinuousClock.now
        while !text.withLockedValue({ $0.contains("\r\n\r\n") }), ContinuousClock.now - started < .seconds(5) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try? await client.close()
        return text.withLockedValue { $0 }
    }

    /// Greets with username/password, authenticates, asks to CONNECT to `domain`; returns the reply code.
    func socks5(_ rig: GatewayRig, domain: String, port: Int) async throws -> UInt8? {
        let bytes = NIOLockedValueBox<[UInt8]>([])
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ByteCollector(bytes: bytes)) }
            }
            .connect(host: "127.0.0.1", port: rig.port).get()
        let user = Array("gw-tester".utf8), token = Array(rig.token.utf8), name = Array(domain.utf8)
        // One step at a time, as a client waits for each answer: greeting, username/password, request.
        let steps: [([UInt8], Int)] = [([5, 1, 2], 2), ([1, UInt8(user.count)] + user + [UInt8(token.count)] + token, 4),
                                       ([5, 1, 0, 3, UInt8(name.count)] + name + [UInt8(port >> 8), UInt8(port & 0xff)], 6)]
        for (message, expected) in steps {
            try await client.writeAndFlush(ByteBuffer(bytes: message))
            let started = ContinuousClock.now
            while bytes.withLockedValue({ $0.count }) < expected, ContinuousClock.now - started < .seconds(5) {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try? await client.close()
        // Method choice (2 bytes), auth status (2), then the reply: VER, REP, …
        let got = bytes.withLockedValue { $0 }
        return got.count > 5 ? got[5] : nil
    }

    final class ByteCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let bytes: NIOLockedValueBox<[UInt8]>
        init(bytes: NIOLockedValueBox<[UInt8]>) { self.bytes = bytes }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = Array(buffer: unwrapInboundIn(data))
            bytes.withLockedValue { $0 += part }
        }
    }
}
