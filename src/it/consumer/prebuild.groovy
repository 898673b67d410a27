// The consumer compiles the README's example as written: its complete program is copied out of README.md
// (the fenced java block that declares `public class ContractExample`), into the package `example`.
def readme = new File(projectRoot, 'README.md').getText('UTF-8')
def blocks = (readme =~ /(?s)```java\n(.*?)```/).collect { it[1] }
def program = blocks.find { it.contains('public class ContractExample') }
assert program != null : 'README.md has no java block declaring public class ContractExample'
def target = new File(basedir, 'src/main/java/example/ContractExample.java')
target.parentFile.mkdirs()
target.setText('package example;\n\n' + program, 'UTF-8')
return true
