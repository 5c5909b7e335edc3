import Fluent
import Leaf
import PatrolStore
import Vapor

struct PatrolOptionsKey: StorageKey { typealias Value = PatrolOptions }

extension Application {
    public var patrolOptions: PatrolOptions {
        get { storage[PatrolOptionsKey.self]! }
        set { storage[PatrolOptionsKey.self] = newValue }
    }
}

/// Sets up an application: database and migrations list, templates, strings, middleware, routes.
/// Tests call this with their own options (an in-memory or throwaway database).
public func configure(_ app: Application, options: PatrolOptions) async throws {
    app.patrolOptions = options
    try options.database.checkFolder()
    let (factory, id) = try options.database.configuration()
    app.databases.use(factory, as: id)
    app.migrations.add(PatrolMigrations.all)
    if case .sqliteFile = options.database {
        try await SQLiteFile.prepare(app.db)
    }

    app.directory = DirectoryConfiguration(workingDirectory: options.resourceRoot + "/")
    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.localizer = try Localizer(directory: options.resourceRoot + "/Resources/Strings")

    // Uploads beyond this are refused before they reach a handler.
    app.routes.defaultMaxBodySize = "1mb"
    // The application's HTTP client carries only the SMS providers' requests (shell checks and
    // replays go through the gateway's rules, GatewayReplay.send): certificates are verified, and a
    // private SMS gateway's CA can be added with PATROL_SMS_CA_FILE. No redirects, short timeouts.
    app.http.client.configuration.redirectConfiguration = .disallow
    app.http.client.configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.certificateVerification = .fullVerification
    if let caFile = options.smsCAFile {
        tls.additionalTrustRoots = [.file(caFile)]
    }
    app.http.client.configuration.tlsConfiguration = tls
    app.http.server.configuration.serverName = nil

    app.middleware = Middlewares()
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(PatrolErrorMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: options.resourceRoot + "/Public/", defaultFile: nil))
    app.middleware.use(IdentityMiddleware(idleTimeout: options.sessionIdleTimeout))
    app.middleware.use(CSRFMiddleware(secureCookies: options.secureCookies, uploadMaxBytes: options.uploadMaxBytes))

    try routes(app)
}

extension Application {
    /// Brings the schema up to date (idempotent).
    public func migrateDatabase() async throws {
        try await autoMigrate()
    }
}
