import ArgumentParser
import PatrolServer
import PatrolStore
import Vapor

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database and serve the web interface and API.")

    @ArgumentParser.Option(help: "Address to listen on.") var hostname = "127.0.0.1"
    @ArgumentParser.Option(help: "Port to listen on.") var port = 8080
    @ArgumentParser.Flag(help: "Load the demo campaign CZ2022 first if it is absent.") var demo = false
    @ArgumentParser.Option(help: "HOST:PORT for the supervision gateway run alongside.") var gatewayListen = "127.0.0.1:8888"
    @ArgumentParser.Flag(help: "Do not run the gateway in this process (run `patrol gateway` instead).") var noGateway = false

    func run() async throws {
        let options: PatrolOptions
        do { options = try PatrolOptions.fromEnvironment() } catch { throw CommandFailure(description: "\(error)") }
        var env = try Environment.detect(arguments: ["patrol"])
        env.arguments = ["patrol", "serve", "--hostname", hostname, "--port", "\(port)"]
        try LoggingSystem.bootstrap(from: &env)
        let smsEnvironment = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("PATROL_SMS_") }
        let worker: SMSWorker
        do { worker = try SMSWorker(environment: smsEnvironment) } catch { throw CommandFailure(description: "\(error)") }
        let app = try await PatrolApplication.make(options: options, arguments: env.arguments)
        do {
            app.logger.info("database \(options.database.redacted); sms provider \(worker.settings.provider.rawValue) (environment)")
            app.smsEnvironment = smsEnvironment
            app.lifecycle.use(SMSWorkerLifecycle(worker: worker))
            if !noGateway {
                let (host, port) = try GatewayCommand.parseListen(gatewayListen)
                app.lifecycle.use(GatewayLifecycle(host: host, port: port))
            }
            try await app.migrateDatabase()
            if demo, let accounts = try await DemoSetup.load(app) { printDemoAccounts(accounts) }
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date.")

    func run() async throws {
        try await withApplication { _ in print("数据库已是最新结构 / database schema is up to date") }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo campaign CZ2022 (网安2022常州行动) and one demo account per role.")

    func run() async throws {
        try await withApplication { app in
            guard let accounts = try await DemoSetup.load(app) else {
                print("演示活动 CZ2022 已存在 / demo campaign CZ2022 already exists")
                return
            }
            printDemoAccounts(accounts)
        }
    }
}
