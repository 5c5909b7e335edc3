/// The workbook's shared strings as they are written: each distinct text once, in order of first use.
struct SharedStringTable {
    private var indexes: [String: Int] = [:]
    private var strings: [String] = []
    private var references = 0

    mutating func index(of text: String) -> Int {
        references += 1
        if let index = indexes[text] { return index }
        indexes[text] = strings.count
        strings.append(text)
        return strings.count - 1
    }

    var xml: String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(references)" uniqueCount="\#(strings.count)">"#
        for text in strings {
            let preserve = text.first?.isWhitespace == true || text.last?.isWhitespace == true || text.contains("\n")
            xml += preserve ? #"<si><t xml:space="preserve">"# : "<si><t>"
            xml += XMLText.escape(text) + "</t></si>"
        }
        xml += "</sst>"
        return xml
    }
}
