import Foundation
import PatrolCore
import PatrolSheet

/// Turns the rows of a units list into a `UnitImportPlan` against the units Patrol knows: no
/// database, no I/O, so every rule of the import is here and testable on its own.
struct UnitImportPlanner {
    typealias Column = UnitSheet.Column
    let reading: UnitSheet.Reading
    let source: SheetSource
    let known: [UnitImport.Known]
    let inCampaign: Set<UUID>

    private struct Draft {
        var rows: [Int]
        var code: String?
        var name: String
        var category: String?
        var group: UnitGroup?
        var parent: String?
        var parentRow: Int
        var note: String?
        var liaisons: [UnitImportPlan.Liaison] = []
        var known: UnitImport.Known?
    }

    func plan() -> UnitImportPlan {
        var problems: [ImportProblem] = []
        func problem(_ row: Int, _ column: Column?, _ value: String, _ key: String, _ values: [String: String] = [:]) {
            problems.append(ImportProblem(row: row, column: column.flatMap { reading.header.columns[$0]?.description },
                                          header: column.map { "import.unit.column.\($0)" }, value: value, key: key, values: values))
        }
        let byCode = Dictionary(known.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let byName = Dictionary(known.map { (Self.normalized($0.name), $0) }, uniquingKeysWith: { a, _ in a })
        let byID = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        var drafts: [Draft] = []
        var seenCodes: [String: Int] = [:], seenNames: [String: Int] = [:]
        for row in reading.rows {
            let n = row.number
            var liaison: UnitImportPlan.Liaison?
            let liaisonName = row[.liaison], phoneText = row[.phone]
            if !liaisonName.isEmpty || !phoneText.isEmpty {
                if liaisonName.isEmpty { problem(n, .liaison, "", "error.import.liaisonName") }
                else if phoneText.isEmpty { problem(n, .phone, "", "error.import.phoneMissing", ["name": liaisonName]) }
                else if let phone = Phone.normalizedMainlandMobile(phoneText) { liaison = .init(name: liaisonName, phone: phone) }
                else { problem(n, .phone, phoneText, "error.import.phone", ["phone": phoneText]) }
            }
            /// The row is one more liaison of the unit read just before it.
            func joinPrevious() {
                drafts[drafts.count - 1].rows.append(n)
                if let liaison { drafts[drafts.count - 1].liaisons.append(liaison) }
            }
            let name = row[.name]
            guard !name.isEmpty else {
                // A row with only a liaison is a further liaison of the unit above (offices write several that way).
                if (liaison != nil || !liaisonName.isEmpty) && row[.code].isEmpty && row[.category].isEmpty, !drafts.isEmpty {
                    joinPrevious()
                } else {
                    problem(n, .name, "", "error.import.nameMissing")
                }
                continue
            }
            let key = Self.normalized(name)
            let code = row[.code].isEmpty ? nil : row[.code]
            // The same unit on the next row again (its cells repeated or merged down): one more liaison.
            if let last = drafts.last, last.code == code, Self.normalized(last.name) == key {
                joinPrevious()
                continue
            }
            if let code {
                if !CampaignCode.isValid(code) { problem(n, .code, code, "error.import.code", ["code": code]) }
                if let first = seenCodes[code] {
                    problem(n, .code, code, "error.import.duplicateCode", ["code": code, "first": "\(first)"])
                    continue
                }
                seenCodes[code] = n
            } else if let first = seenNames[key] {
                problem(n, .name, name, "error.import.duplicateName", ["name": name, "first": "\(first)"])
                continue
            }
            seenNames[key] = seenNames[key] ?? n
            var match: UnitImport.Known?
            if let code {
                match = byCode[code]
                if match == nil, let other = byName[key] {
                    problem(n, .name, name, "error.import.nameTaken", ["name": name, "code": other.code])
                }
            } else {
                match = byName[key]
            }
            var group: UnitGroup?
            let groupText = row[.group]
            if !groupText.isEmpty {
                group = UnitSheet.group(groupText)
                if group == nil { problem(n, .group, groupText, "error.import.group", ["value": groupText]) }
            } else if UnitSheet.marksRegulator(row[.regulator]) {
                group = .regulator
            }
            let category = row[.category].isEmpty ? nil : row[.category]
            if category == nil, match == nil { problem(n, .category, "", "error.import.categoryMissing", ["name": name]) }
            drafts.append(Draft(rows: [n], code: code, name: name, category: category, group: group,
                                parent: row[.parent].isEmpty ? nil : row[.parent], parentRow: n,
                                note: row[.note].isEmpty ? nil : row[.note], liaisons: liaison.map { [$0] } ?? [], known: match))
        }

        // Codes for new units: the category's letter and the next number no unit (known or listed) holds.
        var taken = Set(known.map(\.code)).union(drafts.compactMap(\.code))
        var next: [String: Int] = [:]
        var codes: [Int: String] = [:]
        for (index, d) in drafts.enumerated() {
            if let code = d.code ?? d.known?.code { codes[index] = code; continue }
            let group = d.group ?? (d.category == "辖市区" ? .district : .department)
            let prefix = UnitSheet.codePrefix(category: d.category ?? "", group: group)
            var number = next[prefix] ?? 1
            while taken.contains(String(format: "%@%02d", prefix, number)) { number += 1 }
            let code = String(format: "%@%02d", prefix, number)
            taken.insert(code)
            next[prefix] = number + 1
            codes[index] = code
        }
        let listedByName = Dictionary(drafts.enumerated().map { (Self.normalized($0.element.name), codes[$0.offset]!) },
                                      uniquingKeysWith: { a, _ in a })
        let listedCodes = Set(codes.values)

        var items: [UnitImportPlan.Item] = []
        for (index, d) in drafts.enumerated() {
            let code = codes[index]!
            var parentCode: String?
            if let parent = d.parent {
                parentCode = listedCodes.contains(parent) || byCode[parent] != nil ? parent
                    : listedByName[Self.normalized(parent)] ?? byName[Self.normalized(parent)]?.code
                if parentCode == nil { problem(d.parentRow, .parent, parent, "error.import.parent", ["parent": parent]) }
                if parentCode == code { problem(d.parentRow, .parent, parent, "error.import.parentSelf"); parentCode = nil }
            } else if let k = d.known {
                parentCode = k.parentID.flatMap { byID[$0]?.code }
            }
            let k = d.known
            let category = d.category ?? k?.category ?? ""
            // The list's group, else the known unit's (unless it is now a 辖市区), else what the category says.
            let derived: UnitGroup = category == "辖市区" ? .district : .department
            let group = d.group ?? k.map { category == "辖市区" ? .district : $0.group } ?? derived
            let liaisons = d.liaisons.isEmpty ? nil : d.liaisons
            let note = d.note ?? k?.note
            var changes: [String] = []
            if let k {
                if k.name != d.name { changes.append("name") }
                if k.category != category { changes.append("category") }
                if k.group != group { changes.append("group") }
                if k.parentID.flatMap({ byID[$0]?.code }) != parentCode { changes.append("parent") }
                if k.note != note { changes.append("note") }
                if let liaisons, liaisons != k.liaisons { changes.append("liaisons") }
            }
            let action: UnitImportPlan.Action = k == nil ? .create : !changes.isEmpty ? .update
                : inCampaign.contains(k!.id) ? .unchanged : .join
            items.append(.init(rows: d.rows, code: code, name: d.name, category: category, group: group, parentCode: parentCode,
                               note: note, liaisons: liaisons, action: action, changes: changes, existingID: k?.id))
        }
        let ignored = reading.header.unknownColumns.map(\.value).filter { !$0.isEmpty }
        return UnitImportPlan(source: source, headerRow: reading.header.rowNumber, ignoredColumns: ignored, items: items,
                              problems: problems.sorted { ($0.row, $0.column ?? "") < ($1.row, $1.column ?? "") },
                              footnotes: reading.footnotes)
    }

    /// A name as compared: without spaces (full- or half-width), so "市 委 办" and "市委办" are one unit.
    static func normalized(_ name: String) -> String {
        name.filter { !$0.isWhitespace && $0 != "\u{3000}" }
    }
}
