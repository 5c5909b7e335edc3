import Foundation

/// A problem in a campaign bundle, naming the record (`finding F0004`) and what is wrong with it.
public struct BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case notJSON(String)
        case wrongFormat(String)
        case missingField(String)
        case wrongType(field: String, expected: String)
        case emptyField(String)
        case invalidValue(field: String, value: String, allowed: [String])
        case invalidTime(field: String, value: String)
        case invalidTimeZone(String)
        case windowBackwards
        case duplicateCode(String)
        case unknownReference(field: String, value: String)
        case assetOfOtherUnit(asset: String, unit: String)
        case invalidPhone(String)
        case negative(field: String)
        case inconsistent(String)
        case campaignExists(String)
    }

    /// `finding F0004`, `unit D01`, `campaign CZ2022`, or `document`.
    public var record: String
    public var problem: Problem

    public init(record: String, problem: Problem) {
        self.record = record
        self.problem = problem
    }

    public var description: String { message(chinese: false) }

    public func message(chinese: Bool) -> String {
        let detail: String
        switch problem {
        case .notJSON(let why):
            detail = chinese ? "不是有效的 JSON 文档（\(why)）" : "not a valid JSON document (\(why))"
        case .wrongFormat(let f):
            detail = chinese ? "format 应为 \"\(CampaignBundle.formatName)\"，实际为 \"\(f)\""
                : "format must be \"\(CampaignBundle.formatName)\", not \"\(f)\""
        case .missingField(let f):
            detail = chinese ? "缺少字段 \"\(f)\"" : "missing field \"\(f)\""
        case .wrongType(let f, let expected):
            detail = chinese ? "字段 \"\(f)\" 应为\(expected)" : "field \"\(f)\" must be \(expected)"
        case .emptyField(let f):
            detail = chinese ? "字段 \"\(f)\" 不能为空" : "\(f) must not be empty"
        case .invalidValue(let f, let v, let allowed):
            detail = chinese ? "\(f) 的值 \"\(v)\" 无效（可选：\(allowed.joined(separator: ", "))）"
                : "invalid \(f) \"\(v)\" (one of: \(allowed.joined(separator: ", ")))"
        case .invalidTime(let f, let v):
            detail = chinese ? "\(f) \"\(v)\" 不是带时区的 ISO 8601 时间" : "\(f) \"\(v)\" is not an ISO 8601 time with offset"
        case .invalidTimeZone(let tz):
            detail = chinese ? "未知时区 \"\(tz)\"" : "unknown time zone \"\(tz)\""
        case .windowBackwards:
            detail = chinese ? "结束时间必须晚于开始时间" : "endsAt must be after startsAt"
        case .duplicateCode(let c):
            detail = chinese ? "编码 \"\(c)\" 重复" : "duplicate code \"\(c)\""
        case .unknownReference(let f, let v):
            detail = chinese ? "未知的\(Self.zhField(f)) \"\(v)\"" : "unknown \(f) \"\(v)\""
        case .assetOfOtherUnit(let a, let u):
            detail = chinese ? "资产 \"\(a)\" 不属于单位 \"\(u)\"" : "asset \"\(a)\" does not belong to unit \"\(u)\""
        case .invalidPhone(let p):
            detail = chinese ? "联络员手机号 \"\(p)\" 不是有效的大陆手机号" : "liaison phone \"\(p)\" is not a mainland mobile number"
        case .negative(let f):
            detail = chinese ? "\(f) 不能为负数" : "\(f) must not be negative"
        case .inconsistent(let why):
            detail = why
        case .campaignExists(let c):
            detail = chinese ? "活动 \"\(c)\" 已存在（如需覆盖请使用 --replace）"
                : "campaign \"\(c)\" already exists (use --replace to overwrite it)"
        }
        return "\(record): \(detail)"
    }

    private static func zhField(_ field: String) -> String {
        switch field {
        case "unit": "单位"
        case "asset": "资产"
        case "team": "检测队"
        case "finding", "duplicateOf": "问题"
        case "parent": "上级单位"
        default: field
        }
    }

    static func fromDecoding(_ error: DecodingError, data: Data) -> BundleError {
        fromDecoding(error, within: []) { list, index in
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let items = object[list] as? [[String: Any]], index < items.count else { return nil }
            return items[index]["code"] as? String
        }
    }

    /// An error in entry `index` of list `list`, decoded on its own (a bundle read as a stream).
    static func fromDecoding(_ error: DecodingError, list: String, index: Int, entry: Data) -> BundleError {
        fromDecoding(error, within: [BundleCodingKey(list), BundleCodingKey(index)]) { _, _ in
            (try? JSONSerialization.jsonObject(with: entry) as? [String: Any])?["code"] as? String
        }
    }

    /// `prefix` is where the decoded value sits in the document; `code` finds a list entry's code.
    private static func fromDecoding(_ error: DecodingError, within prefix: [any CodingKey],
                                     code: (String, Int) -> String?) -> BundleError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
                .joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        // Name the record by its code when the decoder got as far as a list entry.
        func record(_ keys: [any CodingKey]) -> String {
            guard keys.count >= 2, let index = keys[1].intValue else {
                return keys.first.map { $0.stringValue } ?? "document"
            }
            let list = keys[0].stringValue
            let singular = ["units": "unit", "assets": "asset", "teams": "team", "findings": "finding", "notices": "notice"][list] ?? list
            if let code = code(list, index) { return "\(singular) \(code)" }
            return "\(list)[\(index)]"
        }
        func field(_ keys: [any CodingKey]) -> String {
            keys.count >= 2 && keys[1].intValue != nil ? path(Array(keys.dropFirst(2))) : path(keys)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let keys = prefix + context.codingPath + [key]
            return BundleError(record: record(keys), problem: .missingField(field(keys)))
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let keys = prefix + context.codingPath
            return BundleError(record: record(keys), problem: .wrongType(field: field(keys), expected: "\(type)"))
        case .dataCorrupted(let context):
            let keys = prefix + context.codingPath
            if context.codingPath.isEmpty {
                let place = prefix.isEmpty ? "" : "\(path(prefix)): "
                return BundleError(record: "document", problem: .notJSON(place + context.debugDescription))
            }
            return BundleError(record: record(keys), problem: .wrongType(field: field(keys), expected: "valid"))
        @unknown default:
            return BundleError(record: "document", problem: .notJSON(String(describing: error)))
        }
    }
}

/// A coding-path step for errors in a list entry decoded on its own.
struct BundleCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string; intValue = nil }
    init(_ int: Int) { stringValue = "\(int)"; intValue = int }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}
