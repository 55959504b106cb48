var unterminatedMultilineString = '''
hello!''