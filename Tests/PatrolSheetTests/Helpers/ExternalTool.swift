import Foundation

/// Runs another producer or consumer of spreadsheets (python3 with openpyxl, soffice) for the
/// round-trip tests, which skip when the tool is not installed.
enum ExternalTool {
    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { $1 }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func isAvailable(_ arguments: [String]) -> Bool {
        (try? run(arguments).status) == 0
    }
}
