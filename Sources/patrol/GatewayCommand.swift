import ArgumentParser
import Fluent
import Foundation
import PatrolGateway
import PatrolServer
import PatrolStore
import Vapor

/// `patrol gateway`: the supervision gateway alone (SPEC §6), and its tokens, switches and CA.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "Run the supervision gateway, or manage its tokens, interception and CA.",
        subcommands: [Run.self, Token.self, Intercept.self, CA.self], defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the gateway alone: HTTP proxy, CONNECT and SOCKS5 on one port, reading scope and team state from the database.")

        @ArgumentParser.Option(help: "HOST:PORT to listen on.") var listen = "127.0.0.1:8888"

        func run() async throws {
            let (host, port) = try GatewayCommand.parseListen(listen)
            let options: PatrolOptions
            do { options = try PatrolOptions.fromEnvironment() } catch { throw CommandFailure(description: "\(error)") }
            var env = try Environment.detect(arguments: ["patrol"])
            try LoggingSystem.bootstrap(from: &env)
            let app = try await PatrolApplication.make(options: options, arguments: ["patrol"])
            do {
                try await app.migrateDatabase()
                let gateway = Gateway(database: { app.db }, dataDirectory: URL(fileURLWithPath: options.dataDirectory),
                                      environment: ProcessInfo.processInfo.environment,
                                      group: Gateway.eventLoops(environment: ProcessInfo.processInfo.environment), logger: app.logger)
                // Its own port is protected at start; the database's here, the web server's (run
                // elsewhere) through PATROL_GATEWAY_PROTECTED_PORTS.
                gateway.protect(ports: [options.database.serverPort].compactMap { $0 })
                do { try await gateway.start(host: host, port: port) } catch {
                    throw CommandFailure(description: "网关无法监听 \(listen) / the gateway cannot listen on \(listen): \(error)")
                }
                print("网关已启动 / gateway listening on \(listen)")
                await GatewayCommand.waitForSignal()
                await gateway.stop()
                try await app.asyncShutdown()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new gateway token for a tester and print it (the old one stops working).")
        @ArgumentParser.Option(help: "The tester's username.") var username: String

        func run() async throws {
            let token = try await withApplication { app in
                do {
                    return try await GatewayControl.rotateToken(username: username.lowercased(), context: .commandLine(), on: app.db)
                } catch let problem as GatewayToken.Problem { throw CommandFailure(description: problem.description) }
            }
            print(token)
        }
    }

    struct Intercept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn TLS interception on or off for one team, or for the whole campaign.")
        @ArgumentParser.Option(help: "Campaign code.") var campaign: String
        @ArgumentParser.Option(help: "Team code; omit to switch the whole campaign.") var team: String?
        @ArgumentParser.Flag(name: .customLong("on"), help: "Turn interception on.") var on = false
        @ArgumentParser.Flag(name: .customLong("off"), help: "Turn interception off.") var off = false

        func validate() throws {
            guard on != off else { throw ValidationError("give exactly one of --on and --off") }
        }

        func run() async throws {
            try await withApplication { app in
                guard let found = try await Campaign.query(on: app.db).filter(\.$code == campaign).first() else {
                    throw CommandFailure(description: "没有活动 \(campaign) / no campaign \(campaign)")
                }
                do {
                    if let team {
                        try await GatewayControl.setInterception(on, campaign: found, team: team, context: .commandLine(), on: app.db)
                    } else {
                        try await GatewayControl.setInterceptAll(on, campaign: found, context: .commandLine(), on: app.db)
                    }
                } catch let problem as GatewayControl.Problem { throw CommandFailure(description: problem.description) }
            }
            print("\(campaign)\(team.map { "/" + $0 } ?? ""): interception \(on ? "on" : "off")")
        }
    }

    struct CA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the campaign's interception CA certificate (PEM), creating it if it does not exist yet.")
        @ArgumentParser.Option(help: "Campaign code.") var campaign: String

        func run() async throws {
            let pem = try await withApplication { app in
                guard try await Campaign.query(on: app.db).filter(\.$code == campaign).first() != nil else {
                    throw CommandFailure(description: "没有活动 \(campaign) / no campaign \(campaign)")
                }
                return try CampaignCA.loadOrCreate(dataDirectory: URL(fileURLWithPath: app.patrolOptions.dataDirectory),
                                                   campaign: campaign).certificatePEM
            }
            print(pem, terminator: pem.hasSuffix("\n") ? "" : "\n")
        }
    }

    static func parseListen(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw CommandFailure(description: "--listen 应为 主机:端口 / --listen must be HOST:PORT, not \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Waits for SIGINT or SIGTERM, so the gateway can write its last records before exiting.
    static func waitForSignal() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }
}
