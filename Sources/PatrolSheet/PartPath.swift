/// Resolving a relationship's target against the part that names it, as OPC defines it: relative
/// to the source part's folder, or absolute from the package root when it starts with "/".
enum PartPath {
    /// `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`
    static func relationships(of part: String) -> String {
        let (folder, name) = split(part)
        return folder.isEmpty ? "_rels/\(name).rels" : "\(folder)/_rels/\(name).rels"
    }

    static func resolve(_ target: String, from part: String) -> String {
        let target = target.replacingOccurrences(of: "\\", with: "/")
        var segments: [Substring] = target.hasPrefix("/") ? [] : split(part).folder.split(separator: "/")
        for segment in target.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        return segments.joined(separator: "/")
    }

    private static func split(_ part: String) -> (folder: String, name: String) {
        guard let slash = part.lastIndex(of: "/") else { return ("", part) }
        return (String(part[..<slash]), String(part[part.index(after: slash)...]))
    }
}
