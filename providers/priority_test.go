package providers

import "testing"

func TestParsePriority(t *testing.T) {
	tests := []struct{ word, level, zh, en string }{
		{"紧急", "urgent", "紧急", "Urgent"}, {"urgent", "urgent", "紧急", "Urgent"}, {"P0", "urgent", "紧急", "Urgent"}, {"critical", "urgent", "紧急", "Urgent"},
		{"高", "high", "高", "High"}, {" High ", "high", "高", "High"}, {"p1", "high", "高", "High"},
		{"中", "normal", "中", "Normal"}, {"普通", "normal", "中", "Normal"}, {"normal", "normal", "中", "Normal"}, {"medium", "normal", "中", "Normal"}, {"p2", "normal", "中", "Normal"},
		{"低", "low", "低", "Low"}, {"LOW", "low", "低", "Low"}, {"p3", "low", "低", "Low"},
		{"高级", "", "", ""}, {"一般", "", "", ""}, {"", "", "", ""}, {"p4", "", "", ""},
	}
	for _, tt := range tests {
		level, ok := ParsePriority(tt.word)
		if level != tt.level || ok != (tt.level != "") {
			t.Errorf("ParsePriority(%q) = %q %v, want %q", tt.word, level, ok, tt.level)
		}
		if zh, en := PriorityLabel(level), PriorityLabelEN(level); zh != tt.zh || en != tt.en {
			t.Errorf("labels of %q = %q %q, want %q %q", level, zh, en, tt.zh, tt.en)
		}
	}
}
