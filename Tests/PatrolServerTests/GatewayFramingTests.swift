import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PatrolCore
import PatrolGateway
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Message framing through the gateway (RFC 9112 §6–§9, issue 18): real servers from Debian's
/// packages and a raw-socket origin answer the same requests once directly and once through the
/// gateway, forwarded (http://) and intercepted (https:// with the campaign CA). What the client
/// gets through the gateway must be what it gets directly — status, every body byte, whether curl
/// saw the answer complete — and each record must say what the client received.
final class GatewayFramingTests: XCTestCase {
    /// One request as curl makes it, by the arguments after the proxy options; `{}` is the origin.
    struct Case {
        var name: String
        var arguments: [String]
        /// How many exchanges (and so records) the case makes.
        var transfers = 1
        /// Run over plain HTTP only: curl 7.88 with `--http1.0` fails its TLS handshake with
        /// Apache's mod_ssl when it connects directly, which leaves no direct answer to compare.
        var plainOnly = false
    }

    static let serverCases = [
        Case(name: "small file", arguments: ["{}/small.txt"]),
        Case(name: "1 MiB file", arguments: ["{}/big.bin"]),
        Case(name: "HEAD", arguments: ["--head", "{}/big.bin"]),
        Case(name: "gzip", arguments: ["-H", "Accept-Encoding: gzip", "{}/page.html"]),
        Case(name: "304", arguments: ["-H", "If-Modified-Since: \(OriginServers.lastModified)", "{}/small.txt"]),
        Case(name: "404", arguments: ["{}/nothing-here"]),
        Case(name: "204 or 404", arguments: ["{}/no-content"]),
        Case(name: "POST", arguments: ["--data-binary", "a=1&b=2", "{}/small.txt"]),
        Case(name: "two on one connection", arguments: ["{}/small.txt", "{}/big.bin"], transfers: 2),
        Case(name: "client Connection: close", arguments: ["-H", "Connection: close", "{}/small.txt"]),
        Case(name: "HTTP/1.0 client", arguments: ["--http1.0", "{}/small.txt"], plainOnly: true),
    ]

    static let rawCases: [Case] = {
        let paths = ["/cl-close", "/eof", "/http10", "/chunked", "/early-hints", "/no-content", "/not-modified",
                     "/head-length", "/split", "/close-early"]
        return paths.map { Case(name: "GET " + $0, arguments: ["{}" + $0]) }
            + paths.map { Case(name: "HEAD " + $0, arguments: ["--head", "{}" + $0]) }
            + [Case(name: "GET /cl-close twice", arguments: ["{}/cl-close", "{}/chunked", "{}/cl-close"], transfers: 3),
               Case(name: "POST /echo", arguments: ["--data-binary", "framing", "{}/echo"])]
    }()

    func testEveryFramingArrivesAsItDoesDirectlyAndTheRecordAgrees() async throws {
        let servers = try OriginServers()
        defer { servers.stop() }
        try servers.startAll()
        try await withGatewayRig { rig in
            try await self.openOrigins(servers, rig)
            let caFile = rig.data.appendingPathComponent("ca-framing.pem")
            try rig.gateway.authority(campaign: "CZ2022").certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
            var failures: [String] = []
            var checked = 0
            for origin in servers.origins {
                let cases = origin.name == "raw" ? Self.rawCases : Self.serverCases
                for (scheme, port) in [("http", origin.plain), ("https", origin.tls)] {
                    for c in cases where scheme == "http" || !c.plainOnly {
                        let base = "\(scheme)://127.0.0.1:\(port)"
                        let label = "\(origin.name) \(scheme) \(c.name)"
                        let direct = try self.transfer(c, base: base, via: nil, caFile: nil)
                        try await rig.flush()
                        let before = try await GatewayRecord.query(on: rig.app.db).count()
                        let proxied = try self.transfer(c, base: base, via: rig, caFile: caFile)
                        checked += 1
                        failures += Self.compare(label, direct: direct, proxied: proxied)
                        try await rig.flush()
                        let records = try await GatewayRecord.query(on: rig.app.db).sort(\.$id).all().dropFirst(before)
                            .filter { $0.kind != "tunnel" }
                        failures += Self.compare(label, records: Array(records), proxied: proxied, transfers: c.transfers)
                    }
                }
            }
            XCTAssertEqual(failures, [], "\(failures.count) differences in \(checked) cases:\n" + failures.joined(separator: "\n"))
        }
    }

    /// Pipelining (RFC 9112 §9.3): three requests written at once on one connection come back in
    /// order, whether the origin keeps its connection, closes it after each answer, or speaks HTTP/1.0.
    func testPipelinedRequestsToEveryServerComeBackInOrder() async throws {
        let servers = try OriginServers()
        defer { servers.stop() }
        try servers.startAll()
        try await withGatewayRig { rig in
            try await self.openOrigins(servers, rig)
            for origin in servers.origins where origin.name != "raw" {
                let base = "http://127.0.0.1:\(origin.plain)"
                let answers = try await self.pipelined(rig, [(.GET, base + "/small.txt"), (.HEAD, base + "/big.bin"),
                                                             (.GET, base + "/big.bin")])
                XCTAssertEqual(answers.map(\.status), [200, 200, 200], origin.name)
                XCTAssertEqual(answers.map(\.bytes), [OriginServers.smallText.utf8.count, 0, OriginServers.bigSize], origin.name)
            }
        }
    }

    /// An upgrade (WebSocket, h2c) is not passed on: `Upgrade` is hop-by-hop, so the origin answers
    /// the request as an ordinary one, and a 101 that comes anyway ends the exchange as an upstream
    /// error rather than leaving the client on a half-switched connection.
    func testUpgradesAreNotPassedOn() async throws {
        let servers = try OriginServers()
        defer { servers.stop() }
        try servers.startRaw()
        try await withGatewayRig { rig in
            try await self.openOrigins(servers, rig)
            let raw = try XCTUnwrap(servers.origin("raw"))
            let result = try self.viaProxy(rig, ["-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
                                                 "http://127.0.0.1:\(raw.plain)/upgrade"])
            XCTAssertEqual(result.status, 200)
            XCTAssertEqual(result.body, "no upgrade")
        }
    }

    // MARK: Rig

    /// Puts every origin's ports in D01's loopback asset (marked internal by an admin, as a
    /// loopback address must be) and turns interception on for the tester's team.
    func openOrigins(_ servers: OriginServers, _ rig: GatewayRig) async throws {
        let d01 = try await Unit.query(on: rig.app.db).filter(\.$code == "D01").first()!
        let ports = servers.origins.flatMap { [$0.plain, $0.tls] }.map(String.init).joined(separator: ",")
        try await Asset(campaignID: rig.campaign.requireID(), unitID: d01.requireID(), code: "D01-ORIGINS", kind: .ip,
                        target: "127.0.0.1", ports: ports, origin: .declared).create(on: rig.app.db)
        try await GatewayControl.setInterception(true, campaign: rig.campaign, team: "T01",
                                                 context: .init(actorID: nil, actor: "test", clientAddress: "local"), on: rig.app.db)
        try await rig.gateway.refresh()
    }

    // MARK: curl as the oracle

    struct Transfer: Equatable {
        var status: Int
        var size: Int
        var digest: String
    }

    struct Outcome {
        var exit: Int32
        var transfers: [Transfer]
        var headers: String
    }

    /// Runs the case with curl, directly or through the gateway; each transfer's body goes to its own file.
    func transfer(_ c: Case, base: String, via rig: GatewayRig?, caFile: URL?) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("framing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments = ["-s", "--max-time", "15", "--noproxy", "", "-w", "%{http_code} %{size_download}\\n",
                         "-D", directory.appendingPathComponent("headers").path]
        if let rig {
            arguments += ["-x", "http://127.0.0.1:\(rig.port)", "--proxy-user", "gw-tester:\(rig.token)"]
            if let caFile { arguments += ["--cacert", caFile.path] }
        } else {
            arguments += ["-k"]
        }
        // The gateway speaks HTTP/1.1 to its clients; directly, ALPN would pick HTTP/2 where the server offers it.
        if !c.arguments.contains("--http1.0") { arguments.append("--http1.1") }
        var index = 0
        for argument in c.arguments {
            if argument.hasPrefix("{}") {
                arguments += ["-o", directory.appendingPathComponent("body\(index)").path, base + argument.dropFirst(2)]
                index += 1
            } else {
                arguments.append(argument)
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        process.environment = [:]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let written = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = written.split(separator: "\n")
        let transfers = lines.enumerated().map { i, line -> Transfer in
            let parts = line.split(separator: " ")
            let body = (try? Data(contentsOf: directory.appendingPathComponent("body\(i)"))) ?? Data()
            // With --head curl writes the headers where the body would go: those hold a Date, so no digest.
            let digest = c.arguments.contains("--head") ? "" : SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
            return Transfer(status: Int(parts.first ?? "") ?? -1, size: Int(parts.last ?? "") ?? -1, digest: String(digest.prefix(16)))
        }
        let headers = (try? String(contentsOf: directory.appendingPathComponent("headers"), encoding: .utf8)) ?? ""
        return Outcome(exit: process.terminationStatus, transfers: transfers, headers: headers)
    }

    static func compare(_ label: String, direct: Outcome, proxied: Outcome) -> [String] {
        var out: [String] = []
        if direct.exit != proxied.exit { out.append("\(label): curl exit \(direct.exit) directly, \(proxied.exit) through the gateway") }
        if direct.transfers != proxied.transfers {
            out.append("\(label): directly \(direct.transfers), through the gateway \(proxied.transfers)")
        }
        // A HEAD answer is all headers: the length the origin announced must arrive unchanged.
        // NIO's encoder drops the Content-Length a 304 or 204 may carry (RFC 9110 §8.6 allows it, and
        // nothing is framed by it): compared for every other status.
        let bodiless = direct.transfers.contains { $0.status == 304 || $0.status == 204 }
        for name in ["content-length", "content-encoding", "etag", "last-modified"] where !(bodiless && name == "content-length") {
            let a = header(name, in: direct.headers), b = header(name, in: proxied.headers)
            if a != b { out.append("\(label): \(name) directly \(a), through the gateway \(b)") }
        }
        return out
    }

    static func compare(_ label: String, records: [GatewayRecord], proxied: Outcome, transfers: Int) -> [String] {
        guard records.count == transfers else {
            return ["\(label): \(records.count) records for \(transfers) exchanges: \(records.map { "\($0.url) \($0.status ?? 0)" })"]
        }
        var out: [String] = []
        for (record, got) in zip(records, proxied.transfers) {
            if record.status != got.status { out.append("\(label): record says \(record.status ?? 0), the client got \(got.status)") }
            if record.responseBodySize != got.size {
                out.append("\(label): record says \(record.responseBodySize) body bytes, the client got \(got.size)")
            }
            if record.decision != "allowed" { out.append("\(label): record decision \(record.decision) \(record.reason ?? "")") }
        }
        return out
    }

    /// Every value of a header in curl's dump, lowercased, joined by commas (all responses of a case).
    static func header(_ name: String, in dump: String) -> String {
        dump.split(separator: "\r\n").compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }.joined(separator: ",")
    }

    // MARK: Pipelining

    struct Answer { var status: Int; var bytes: Int }

    func pipelined(_ rig: GatewayRig, _ requests: [(HTTPMethod, String)]) async throws -> [Answer] {
        let answers = NIOLockedValueBox<[Answer]>([])
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(AnswerCollector(answers: answers))
                }
            }
            .connect(host: "127.0.0.1", port: rig.port).get()
        let auth = "Basic " + Data("gw-tester:\(rig.token)".utf8).base64EncodedString()
        for (method, url) in requests {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: url)
            head.headers.add(name: "Host", value: URL(string: url)!.host! + ":\(URL(string: url)!.port!)")
            head.headers.add(name: "Proxy-Authorization", value: auth)
            client.write(HTTPClientRequestPart.head(head), promise: nil)
            client.write(HTTPClientRequestPart.end(nil), promise: nil)
        }
        client.flush()
        let started = ContinuousClock.now
        while answers.withLockedValue({ $0.count }) < requests.count, ContinuousClock.now - started < .seconds(15) {
            try await Task.sleep(for: .milliseconds(20))
        }
        try? await client.close()
        return answers.withLockedValue { $0 }
    }

    final class AnswerCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let answers: NIOLockedValueBox<[Answer]>
        var current = Answer(status: 0, bytes: 0)
        init(answers: NIOLockedValueBox<[Answer]>) { self.answers = answers }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): current = Answer(status: Int(head.status.code), bytes: 0)
            case .body(let body): current.bytes += body.readableBytes
            case .end: answers.withLockedValue { $0.append(current) }
            }
        }
    }
}
