import Foundation
import Vapor

/// The interface's strings, from `Resources/Strings/{zh-CN,en}.json`; Chinese first.
public struct Localizer: Sendable {
    public enum Language: String, Sendable, CaseIterable, Codable {
        case zh = "zh-CN", en
    }

    let tables: [Language: [String: String]]

    public init(directory: String) throws {
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let path = "\(directory)/\(language.rawValue).json"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            tables[language] = try JSONDecoder().decode([String: String].self, from: data)
        }
        self.tables = tables
    }

    public func table(_ language: Language) -> [String: String] { tables[language] ?? [:] }

    /// A string, with `{name}` placeholders filled; falls back to Chinese, then to the key.
    /// An error's message, its `valueKeys` translated first.
    public func text(_ error: PatrolError, _ language: Language) -> String {
        var values = error.values
        for (name, key) in error.valueKeys { values[name] = text(key, language) }
        return text(error.key, language, values)
    }

    public func text(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        // Code names keys with dots, templates with underscores (Leaf reads dots as paths): one table.
        let key = key.replacingOccurrences(of: ".", with: "_")
        var s = tables[language]?[key] ?? tables[.zh]?[key] ?? key
        for (k, v) in values { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
        return s
    }
}

struct LocalizerKey: StorageKey { typealias Value = Localizer }

extension Application {
    public var localizer: Localizer {
        get { storage[LocalizerKey.self]! }
        set { storage[LocalizerKey.self] = newValue }
    }
}

extension Request {
    /// The chosen language: the `patrol_lang` cookie, else Chinese.
    var language: Localizer.Language {
        cookies["patrol_lang"].flatMap { Localizer.Language(rawValue: $0.string) } ?? .zh
    }

    func t(_ key: String, _ values: [String: String] = [:]) -> String {
        application.localizer.text(key, language, values)
    }

    func t(_ error: PatrolError) -> String { application.localizer.text(error, language) }
}
