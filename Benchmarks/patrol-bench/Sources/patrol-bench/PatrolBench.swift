import ArgumentParser
import PatrolServer
import Vapor

/// `patrol-bench`: the benchmarks of BENCHMARKS.md, outside the product so that `patrol` carries
/// no hidden commands. Build with -c release for figures worth recording.
@main
struct PatrolBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patrol-bench",
        abstract: "Benchmarks of Patrol's scoring, scope decisions and recording writer (see BENCHMARKS.md).",
        subcommands: [ScoreBenchmark.self, ScopeBenchmark.self, RecordsBenchmark.self]
    )
}

/// The application `patrol` itself builds over PATROL_DATABASE_URL, migrated, shut down after `body`.
func withMigratedApplication(_ body: (Application) async throws -> Void) async throws {
    let app = try await PatrolApplication.make(options: try PatrolOptions.fromEnvironment())
    app.logger.logLevel = .warning
    do {
        try await app.migrateDatabase()
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}
